import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

// Tokens are 20 random bytes written as 40 lower-case hex characters (Contember's format).
// Only their sha256 is stored: a leaked database does not hand out working tokens, and since a
// token carries 160 bits of entropy a fast hash is enough (no need for a password hash).

export function generateToken(): string {
  return randomBytes(20).toString('hex')
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/** Compares two sha256 hex digests without leaking, through timing, where they first differ. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8')
  const right = Buffer.from(b, 'utf8')
  return left.length === right.length && timingSafeEqual(left, right)
}
