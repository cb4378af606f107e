-- Project secrets, encrypted with AES-256-GCM before they reach this table (model/secrets.ts).
-- The sealed value names the key that made it, so keys can be rotated.
CREATE TABLE project_secret (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id      uuid NOT NULL,
  key             text NOT NULL,
  value_encrypted text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT project_secret_project_fk FOREIGN KEY (project_id) REFERENCES project (id) ON DELETE CASCADE,
  CONSTRAINT project_secret_key_unique UNIQUE (project_id, key)
);

-- Members of a project, listed by the project.
CREATE INDEX project_membership_project_idx ON project_membership (project_id);
