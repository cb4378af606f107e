// Emails are compared and stored without whitespace and lower-cased: "Ada@Example.com " and
// "ada@example.com" are one person (the reference normalises the same way on sign-up; we do it on
// every write). The format check is deliberately plain, like the reference's: a local part
// without spaces or "@", and a host of letters, digits, "-" and "_" separated by dots, so
// "admin@localhost" is fine. Whether the address works is for mail to find out.

export function normaliseEmail(email: string): string {
  return email.replace(/\s/g, '').toLowerCase()
}

const shape = /^[^\s@]+@[\w-]+(\.[\w-]+)*$/

export function isValidEmail(normalised: string): boolean {
  return normalised.length >= 3 && normalised.length <= 254 && shape.test(normalised)
}

/** The name a person gets when sign-up names none: the part of the email before "@" (as the reference). */
export const nameFromEmail = (normalised: string) => normalised.split('@')[0] ?? normalised
