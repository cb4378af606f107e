// Emails are compared and stored trimmed and lower-cased: " Ada@Example.com " and
// "ada@example.com" are one person (we do it on every write; the reference only on sign-up).
// The format check is deliberately plain, like the reference's: a local part without spaces or
// "@", and a host of letters, digits, "-" and "_" separated by dots, so "admin@localhost" is
// fine and "a b@c.cz" is not. Whether the address works is for mail to find out.

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase()
}

const shape = /^[^\s@]+@[\w-]+(\.[\w-]+)*$/

/** RFC 5321's limit on a forward path; a longer address cannot be delivered to. */
export const MAX_EMAIL_LENGTH = 254

export function isValidEmail(normalised: string): boolean {
  return normalised.length >= 3 && normalised.length <= MAX_EMAIL_LENGTH && shape.test(normalised)
}

/** The name a person gets when sign-up names none: the part of the email before "@" (as the reference). */
export const nameFromEmail = (normalised: string) => normalised.split('@')[0] ?? normalised
