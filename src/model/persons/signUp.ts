import type { Deps } from '../deps.js'
import { fail, ok, type Result } from '../result.js'
import { isUniqueViolation } from '../../db/errors.js'
import { insertIdentity } from '../../db/queries/identities.js'
import { insertPerson, selectPersonCredentials, type PersonRow } from '../../db/queries/persons.js'
import { refuseWeakPassword } from '../passwords/refuseWeakPassword.js'
import { exceedsHashCeilings, HASH_CEILINGS, hashPassword, isSupportedPasswordHash } from '../passwords/hashing.js'
import type { Caller } from '../auth/authenticate.js'
import { forbiddenMessage, may, mayAssignGlobalRoles } from '../acl/permissions.js'
import { isValidEmail, nameFromEmail, normaliseEmail } from './email.js'
import { loadTenantConfig } from '../config/tenantConfig.js'
import { mailEmailToken } from '../emailVerification/emailTokens.js'
import { withinIpLimit } from '../rateLimits.js'
import { refuseCaptcha } from '../captcha.js'

export type SignUpErrorCode = 'EMAIL_ALREADY_EXISTS' | 'INVALID_EMAIL_FORMAT' | 'TOO_WEAK' | 'RATE_LIMIT_EXCEEDED' | 'INVALID_CAPTCHA'

export interface SignUpInput {
  email: string
  /** A plain password (checked against the policy) or an existing hash (imported as is). */
  password?: string | null
  passwordHash?: string | null
  /** Display name; the part of the email before "@" when not given. */
  name?: string | null
  roles?: readonly string[] | null
  captchaToken?: string | null
}

/**
 * Creates a person with its own identity; a person without a password signs in otherwise. The
 * caller may give only global roles it may grant; an imported hash must be of a kind we verify
 * and within the cost ceilings. FORBIDDEN and INVALID_INPUT are no schema codes (ForbiddenError,
 * UserInputError).
 */
export async function signUp(deps: Deps, caller: Caller, input: SignUpInput): Promise<Result<PersonRow, SignUpErrorCode | 'FORBIDDEN' | 'INVALID_INPUT'>> {
  if (!may(caller.roles, 'signUp') || (input.roles?.length && !mayAssignGlobalRoles(caller.roles, input.roles))) {
    return fail('FORBIDDEN', forbiddenMessage('signUp'))
  }
  // Given both, the password wins, as in the reference.
  if (input.password != null && input.passwordHash != null) input = { ...input, passwordHash: null }
  if (input.passwordHash != null && !isSupportedPasswordHash(input.passwordHash)) {
    return fail('INVALID_INPUT', 'Invalid password hash. Only bcrypt ($2a$, $2b$, $2y$) and argon2 hashes are accepted.')
  }
  if (input.passwordHash != null && exceedsHashCeilings(input.passwordHash)) {
    const c = HASH_CEILINGS
    return fail('INVALID_INPUT', `Password hash is too costly to verify: bcrypt cost at most ${c.bcryptCost}; argon2 m at most ${c.argon2MemoryKiB}, t at most ${c.argon2TimeCost}, p at most ${c.argon2Parallelism}.`)
  }
  const fromIp = await withinIpLimit(deps, 'signUpPerIp', caller.client.ip)
  if (fromIp) return fail('RATE_LIMIT_EXCEEDED', `Too many sign-up attempts. Retry after ${fromIp.retryAfter}s.`)
  const captcha = await refuseCaptcha(deps, 'signUp', input.captchaToken, caller.client.ip)
  if (captcha) return captcha
  const email = normaliseEmail(input.email)
  if (!isValidEmail(email)) return fail('INVALID_EMAIL_FORMAT', 'E-mail address is not in a valid format')
  let passwordHash = input.passwordHash ?? null
  if (input.password !== undefined && input.password !== null) {
    const weak = await refuseWeakPassword(deps, input.password)
    if (weak) return weak
    // Hashed before the transaction opens: the slow part holds no locks.
    passwordHash = await hashPassword(input.password)
  }
  const { signup, login } = await loadTenantConfig(deps.db)
  const result = await deps.db.transaction(async (tx): Promise<Result<PersonRow, SignUpErrorCode>> => {
    // `person` is stored too, after the given roles, as the reference stores it.
    const identity = await insertIdentity(tx, { roles: [...new Set([...input.roles ?? [], 'person'])] })
    try {
      const person = await insertPerson(tx, {
        identityId: identity.id, email, name: input.name ?? nameFromEmail(email), passwordHash, createdAt: deps.clock.now(),
        emailVerificationRequired: signup.requireEmailVerification,
      })
      // The person signs in once the address is confirmed (EMAIL_NOT_VERIFIED until then).
      if (signup.requireEmailVerification) await mailEmailToken(deps, tx, caller, { personId: person.id, purpose: 'email_verification', email, project: null })
      return ok(person)
    } catch (error) {
      // Two sign-ups with one email at once: the unique index lets one through.
      if (isUniqueViolation(error, 'person_email_unique')) return fail('EMAIL_ALREADY_EXISTS', `User with email ${input.email} already exists`)
      throw error
    }
  })
  // Where answers may tell who exists and how they sign in, the answer says what to do instead.
  if (!result.ok && result.code === 'EMAIL_ALREADY_EXISTS' && login.revealUserExists && login.revealLoginMethod) {
    const existing = await selectPersonCredentials(deps.db, { email })
    if (existing) return fail(result.code, result.message, { recommendedAction: existing.passwordHash !== null ? 'SIGN_IN' : 'RESET_PASSWORD' })
  }
  return result
}
