-- Project slugs as the reference accepts them in practice: letters, digits, "_" and "-"
-- (`my_blog`, `test_x1y2`), which are all safe in a URL path segment. At most 255 characters,
-- so a slug always fits its unique index.
ALTER TABLE project DROP CONSTRAINT project_slug_format;
ALTER TABLE project ADD CONSTRAINT project_slug_format CHECK (slug ~ '^[A-Za-z0-9_-]{1,255}$');
