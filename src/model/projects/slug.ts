// Project slugs appear in URLs and as names elsewhere: lower-case letters, digits and single
// dashes between them, at most 100 characters.
const slugPattern = /^[a-z0-9]+(-[a-z0-9]+)*$/

export function isValidSlug(slug: string): boolean {
  return slug.length <= 100 && slugPattern.test(slug)
}
