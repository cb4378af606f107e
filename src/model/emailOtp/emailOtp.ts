import { randomInt } from 'node:crypto'
import type { Queryable } from '../../db/db.js'
import { insertPersonToken, markPersonTokenUsed, releaseOtpAttempt, reserveOtpAttempt, retirePersonTokens, selectOpenPersonToken } from '../../db/queries/personTokens.js'
import { reserveWindowedRequest } from '../../db/queries/rateLimits.js'
import type { PersonCredentials } from '../../db/queries/persons.js'
import type { TenantConfig } from '../config/tenantConfig.js'
import type { Deps } from '../deps.js'
import { queueMail } from '../mail/queueMail.js'
import { generateToken, hashToken, sameHash } from '../tokens.js'

// Six-digit codes mailed to a person who must prove, beyond the password, that they read their
// mail: an unusual sign-in's step-up. Only the newest code works, for EMAIL_OTP_MINUTES, and at
// most EMAIL_OTP_ATTEMPTS wrong codes are compared against it.

export const EMAIL_OTP_MINUTES = 10
export const EMAIL_OTP_ATTEMPTS = 3
const DIGITS = 6

/** A code, uniformly random (crypto.randomInt has no modulo bias). */
export const newEmailOtpCode = () => String(randomInt(0, 10 ** DIGITS)).padStart(DIGITS, '0')

/** Bound to the person: the same six digits hash differently for two people. */
const codeHash = (personId: string, code: string) => hashToken(`${personId}:${code}`)

/**
 * Mails the person a new code (EMAIL_OTP), in `tx`, and retires the earlier ones. At most
 * `rateLimits.emailOtpPerPerson` codes per window: more would let someone who knows the password
 * reset the attempt count with fresh codes, or flood the mailbox. When the limit stopped it (a
 * code mailed earlier still works): the seconds until another may be mailed.
 */
export async function sendEmailOtp(deps: Deps, tx: Queryable, person: PersonCredentials, config: TenantConfig): Promise<{ sent: true } | { sent: false; retryAfter: number }> {
  const at = deps.clock.now()
  const { limit, window } = config.rateLimits.emailOtpPerPerson
  if (limit > 0 && window > 0) {
    const reserved = await reserveWindowedRequest(tx, 'email', 'email_otp', person.email!, at, window * 1000, limit)
    if (!reserved.allowed) return { sent: false, retryAfter: Math.max(1, Math.ceil((reserved.windowEnds.getTime() - at.getTime()) / 1000)) }
  }
  const code = newEmailOtpCode()
  await retirePersonTokens(tx, person.id, 'email_otp', at)
  await insertPersonToken(tx, {
    personId: person.id, purpose: 'email_otp', tokenHash: hashToken(generateToken()), email: person.email!, at,
    expiresAt: new Date(at.getTime() + EMAIL_OTP_MINUTES * 60_000), otpHash: codeHash(person.id, code),
  })
  await queueMail(deps, tx, { type: 'EMAIL_OTP', to: person.email!, project: null, variant: null, variables: { email: person.email!, code }, secrets: [code] })
  return { sent: true }
}

/**
 * Spends the person's newest mailed code when `code` is it. The try is reserved before the
 * comparison, in one statement, so concurrent guesses cannot exceed the attempts; a right code
 * gives its try back and is used once (a second request with it loses).
 */
export async function spendEmailOtp(deps: Deps, person: PersonCredentials, code: string): Promise<boolean> {
  const now = deps.clock.now()
  const token = await selectOpenPersonToken(deps.db, person.id, 'email_otp')
  if (!token || token.expiresAt.getTime() <= now.getTime() || token.email !== person.email || token.otpHash === null) return false
  if (!/^\d{6}$/.test(code)) return false
  if (!await reserveOtpAttempt(deps.db, token.id, EMAIL_OTP_ATTEMPTS)) return false
  if (!sameHash(token.otpHash, codeHash(person.id, code))) return false
  await releaseOtpAttempt(deps.db, token.id)
  return markPersonTokenUsed(deps.db, token.id, now)
}
