import type { Deps } from '../deps.js'
import { fail, ok, type Result } from '../result.js'
import { claimOtpTimeStep, publicPerson, selectPersonCredentials, updatePersonPasswordHash, type PersonCredentials, type PersonRow } from '../../db/queries/persons.js'
import { deleteSignInFailures, recordSignInFailure, selectSignInFailure } from '../../db/queries/signInFailures.js'
import { loadTenantConfig, type LoginConfig } from '../config/tenantConfig.js'
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from '../passwords/hashing.js'
import { normaliseEmail } from '../persons/email.js'
import { checkOtp } from '../otp/totp.js'
import { secondsUntilNextAttempt } from './backoff.js'
import { createSession, sessionMinutes } from './createSession.js'

export type SignInErrorCode =
  | 'INVALID_CREDENTIALS' | 'UNKNOWN_EMAIL' | 'INVALID_PASSWORD' | 'PERSON_DISABLED' | 'NO_PASSWORD_SET'
  | 'OTP_REQUIRED' | 'INVALID_OTP_TOKEN' | 'RATE_LIMIT_EXCEEDED'

export interface SignInInput {
  email: string
  password: string
  /** Minutes; the configured default when absent or 0, capped by the configured maximum. */
  expiration?: number | null
  otpToken?: string | null
}

export interface SignedIn {
  token: string
  person: PersonRow
}

type Refusal = { code: SignInErrorCode; message: string }

/**
 * Email and password (and a TOTP code when the person enabled it) -> a new session token.
 * Every failure counts towards the back-off of that email, whether or not a person has it, and
 * an unknown email costs a full password check, so neither answer times nor the back-off tell
 * which emails exist when the configuration hides that.
 */
export async function signIn(deps: Deps, input: SignInInput): Promise<Result<SignedIn, SignInErrorCode>> {
  const config = await loadTenantConfig(deps.db)
  const email = normaliseEmail(input.email)
  const now = deps.clock.now()

  const wait = secondsUntilNextAttempt(await selectSignInFailure(deps.db, email), now, config.login)
  if (wait > 0) {
    return fail('RATE_LIMIT_EXCEEDED', `Too many failed attempts, try again in ${wait} s`, { retryAfter: wait })
  }

  const person = await selectPersonCredentials(deps.db, { email })
  const refusal = await checkCredentials(person, email, input.password, config.login)
  if (refusal) return failed(deps, email, refusal, config.login)
  const found = person!

  let otpStep: number | null = null
  if (found.otpActivatedAt !== null) {
    if (!input.otpToken) return fail('OTP_REQUIRED', '2FA is enabled. OTP token is required')
    const secret = deps.secrets.decrypt(found.otpSecretEncrypted!, otpContext(found.id))
    otpStep = await checkOtp(secret, input.otpToken, now, found.otpLastTimeStep)
    if (otpStep === null) return failed(deps, email, { code: 'INVALID_OTP_TOKEN', message: 'OTP token validation has failed' }, config.login)
  }

  const rehash = found.passwordHash !== null && needsRehash(found.passwordHash) ? await hashPassword(input.password) : null
  return deps.db.transaction(async (tx) => {
    // One code signs in once: a code seen by a shoulder-surfer is already spent.
    if (otpStep !== null && !await claimOtpTimeStep(tx, found.id, otpStep)) {
      return fail('INVALID_OTP_TOKEN', 'OTP token validation has failed: this code was already used')
    }
    if (rehash) await updatePersonPasswordHash(tx, found.id, rehash)
    await deleteSignInFailures(tx, email)
    const session = await createSession(tx, found.identityId, sessionMinutes(input.expiration, config.login), now)
    return ok({ token: session.token, person: publicPerson(found) })
  })
}

export const otpContext = (personId: string) => `otp:${personId}`

async function checkCredentials(person: PersonCredentials | null, email: string, password: string, login: LoginConfig): Promise<Refusal | null> {
  const hide = (code: SignInErrorCode, message: string): Refusal =>
    login.revealUserExists ? { code, message } : { code: 'INVALID_CREDENTIALS', message: 'Invalid email or password' }
  if (!person) {
    await verifyAgainstDummy(password)
    return hide('UNKNOWN_EMAIL', `Person with email ${email} not found`)
  }
  if (person.passwordHash === null) {
    await verifyAgainstDummy(password)
    return hide('NO_PASSWORD_SET', 'No password set')
  }
  if (!await verifyPassword(person.passwordHash, password)) return hide('INVALID_PASSWORD', 'Password does not match')
  // Told only to someone who knows the password, so it reveals nothing to a guesser.
  if (person.disabledAt !== null) return { code: 'PERSON_DISABLED', message: 'Person is disabled' }
  return null
}

/** Failures are counted in their own statement: they must outlive the refused sign-in. */
async function failed(deps: Deps, email: string, refusal: Refusal, login: LoginConfig) {
  await recordSignInFailure(deps.db, email, deps.clock.now(), login.attemptWindow)
  return fail(refusal.code, refusal.message)
}
