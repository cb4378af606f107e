// Project slugs appear in URLs and as names elsewhere. The reference puts no pattern on them;
// we accept what real projects use and what is safe in a URL path segment without escaping:
// letters, digits, "_" and "-" (`my_blog`, `test_x1y2`, `Blog-2`), at most 255 characters (an
// index entry). Refused: spaces, "/", ".", "%", and anything else a path would need to escape.
const slugPattern = /^[A-Za-z0-9_-]{1,255}$/

export const MAX_SLUG_LENGTH = 255

export function isValidSlug(slug: string): boolean {
  return slugPattern.test(slug)
}
