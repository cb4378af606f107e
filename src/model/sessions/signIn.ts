import type { Deps } from '../deps.js'
import { fail, ok, type Result } from '../result.js'
import { publicPerson, selectPersonCredentials, updatePersonPasswordHash, type PersonCredentials, type PersonRow } from '../../db/queries/persons.js'
import { deleteSignInFailures, releaseSignInAttempt } from '../../db/queries/signInFailures.js'
import { loadTenantConfig, type LoginConfig, type TenantConfig } from '../config/tenantConfig.js'
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from '../passwords/hashing.js'
import { MAX_PASSWORD_LENGTH } from '../passwords/policy.js'
import { MAX_EMAIL_LENGTH, normaliseEmail } from '../persons/email.js'
import { checkSecondFactor, claimSecondFactor, mailCode, otpAlreadyUsed } from './secondFactor.js'
import { reserveAttempt } from './backoff.js'
import type { Caller } from '../auth/authenticate.js'
import { forbiddenMessage, may } from '../acl/permissions.js'
import { createSession, type SignInOptions } from './createSession.js'
import { effectivePolicy, personRoles } from '../authPolicies/effectivePolicy.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { withinIpLimit } from '../rateLimits.js'
import { assessSignIn, type RiskAssessment } from './signInRisk.js'
import { spendEmailOtp } from '../emailOtp/emailOtp.js'
import { queueMail } from '../mail/queueMail.js'
import { selectExclusiveProviderOf } from '../../db/queries/identityProviders.js'
import type { Transaction } from '../../db/db.js'

export type SignInErrorCode =
  | 'INVALID_CREDENTIALS' | 'UNKNOWN_EMAIL' | 'INVALID_PASSWORD' | 'PERSON_DISABLED' | 'NO_PASSWORD_SET'
  | 'OTP_REQUIRED' | 'INVALID_OTP_TOKEN' | 'RATE_LIMIT_EXCEEDED' | 'EMAIL_NOT_VERIFIED' | 'MFA_ENROLLMENT_REQUIRED'

export interface SignInInput {
  email: string
  password: string
  /** Minutes; the configured default when absent or 0, capped by the configured maximum. */
  expiration?: number | null
  otpToken?: string | null
  backupCode?: string | null
  options?: SignInOptions | null
}

export interface SignedIn {
  token: string
  person: PersonRow
  /** An enrolment an auth policy required was finished by this sign-in: the backup codes, shown once. */
  backupCodes?: string[] | null
}

/** `raw`: the code before revealUserExists/revealLoginMethod hid it (the auth log keeps it). */
type Refusal = { code: SignInErrorCode; message: string; raw: SignInErrorCode }

/** What an attempt found out, for its auth log entry. */
interface Attempt {
  result: Result<SignedIn, SignInErrorCode>
  email: string
  personId: string | null
  rawCode: SignInErrorCode | null
}

/**
 * Email and password (and a TOTP code when the person enabled it) -> a new session token.
 * Every failure counts towards the back-off of that email, whether or not a person has it, and
 * an unknown email costs a full password check, so neither answer times nor the back-off tell
 * which emails exist when the configuration hides that.
 */
export async function signIn(deps: Deps, caller: Caller, input: SignInInput): Promise<Result<SignedIn, SignInErrorCode | 'FORBIDDEN'>> {
  if (!may(caller.roles, 'signIn')) return fail('FORBIDDEN', forbiddenMessage('signIn'))
  const attempt = await attemptSignIn(deps, caller, input)
  const { result } = attempt
  // A failure changes nothing else: its entry is written on its own, so it stays. (A success is
  // written with its session.)
  if (!result.ok) {
    await recordAuthEvent(deps, deps.db, caller, {
      type: 'login', success: false, personInputIdentifier: attempt.email.slice(0, MAX_EMAIL_LENGTH), personId: attempt.personId,
      errorCode: attempt.rawCode ?? result.code, errorMessage: result.message,
    })
  }
  return result
}

async function attemptSignIn(deps: Deps, caller: Caller, input: SignInInput): Promise<Attempt> {
  const config = await loadTenantConfig(deps.db)
  const email = normaliseEmail(input.email)
  const answer = (result: Result<SignedIn, SignInErrorCode>, personId: string | null = null, rawCode: SignInErrorCode | null = null): Attempt =>
    ({ result, email, personId, rawCode })
  // No person can have a longer address, and it must not reach the back-off table's index.
  if (email.length > MAX_EMAIL_LENGTH) {
    const refusal = hidden(config.login, 'UNKNOWN_EMAIL', 'Person with this email not found')
    return answer(fail(refusal.code, refusal.message), null, refusal.raw)
  }

  const fromIp = await withinIpLimit(deps, 'loginPerIp', caller.client.ip)
  if (fromIp) return answer(fail('RATE_LIMIT_EXCEEDED', `Too many sign-in attempts from this address. Retry after ${fromIp.retryAfter}s.`, { retryAfter: fromIp.retryAfter }))
  // The attempt is counted before the password is checked (see reserveAttempt).
  const reserved = await reserveAttempt(deps, email, config.login)
  if (!reserved.ok) return answer(reserved)

  const person = await selectPersonCredentials(deps.db, { email })
  const refusal = await checkCredentials(person, email, input.password, config.login)
  if (refusal) return answer(fail(refusal.code, refusal.message), person?.id ?? null, refusal.raw)
  const found = person!
  // A person of an exclusive identity provider signs in only through it.
  const exclusive = await selectExclusiveProviderOf(deps.db, found.id)
  if (exclusive) {
    const hide = hidden(config.login, 'NO_PASSWORD_SET', `This person signs in through the identity provider ${exclusive}`)
    return answer(fail(hide.code, hide.message), found.id, hide.raw)
  }

  // The password was right, so what follows is no guess: an unverified address, or the first
  // step of a normal two-step sign-in (no code tried yet), gives its attempt back, and the next
  // step may follow at once.
  if (found.emailVerificationRequired && !found.emailVerified) {
    await releaseSignInAttempt(deps.db, email, reserved.value.previous)
    return answer(fail('EMAIL_NOT_VERIFIED', 'E-mail address has not been verified'), found.id)
  }
  const policy = await effectivePolicy(deps, found.identityId, personRoles(found))
  const second = await checkSecondFactor(deps, caller, found, input, { config, policy, enrol: true })
  if (!second.ok) {
    if (second.code !== 'INVALID_OTP_TOKEN') await releaseSignInAttempt(deps.db, email, reserved.value.previous)
    return answer(second, found.id)
  }

  // An unusual sign-in (login.anomalyDetection) is told to the person; a very unusual one must
  // also give a code mailed to them, unless it proved a second factor just now.
  const risk = await assessSignIn(deps, found.id, caller.client, config.login.anomalyDetection)
  if (risk?.action === 'stepUp' && !second.value.proven) {
    const stepUp = await stepUpRefusal(deps, caller, found, risk, input.otpToken, config)
    if (stepUp) {
      if (stepUp.code === 'OTP_REQUIRED') await releaseSignInAttempt(deps.db, email, reserved.value.previous)
      return answer(stepUp, found.id)
    }
  }

  const rehash = found.passwordHash !== null && needsRehash(found.passwordHash) ? await hashPassword(input.password) : null
  const result = await deps.db.transaction(async (tx): Promise<Result<SignedIn, SignInErrorCode>> => {
    if (!await claimSecondFactor(tx, found.id, second.value.step)) return otpAlreadyUsed()
    if (rehash) await updatePersonPasswordHash(tx, found.id, rehash)
    await deleteSignInFailures(tx, email)
    const session = await createSession(deps, tx, caller, {
      identityId: found.identityId, personId: found.id, requested: input.expiration, login: config.login, policy, options: input.options,
    })
    await recordAuthEvent(deps, tx, caller, { type: 'login', success: true, personId: found.id, personInputIdentifier: email, metadata: { sessionId: session.id } })
    if (second.value.backupCodeUsed) await recordAuthEvent(deps, tx, caller, { type: 'backup_code_used', success: true, personId: found.id })
    if (risk && risk.action !== 'allow') await noteUnusualSignIn(deps, tx, caller, found, risk, true)
    // An enrolment this sign-in finished turned TOTP on after `found` was read.
    const person = second.value.backupCodes ? { ...publicPerson(found), otpEnabled: true } : publicPerson(found)
    return ok({ token: session.token, person, backupCodes: second.value.backupCodes })
  })
  return answer(result, found.id)
}


/**
 * The step-up of a very unusual sign-in: without a code, a code is mailed (EMAIL_OTP) and the
 * answer is OTP_REQUIRED; with a wrong one, INVALID_OTP_TOKEN. Null when the right code was given.
 */
async function stepUpRefusal(deps: Deps, caller: Caller, person: PersonCredentials, risk: RiskAssessment, code: string | null | undefined, config: TenantConfig):
    Promise<Extract<Result<never, 'OTP_REQUIRED' | 'INVALID_OTP_TOKEN'>, { ok: false }> | null> {
  if (code && await spendEmailOtp(deps, person, code)) return null
  // When the per-person limit stops a new code, the last one mailed still works.
  if (!code) await mailCode(deps, caller, person, config)
  await deps.db.transaction(async (tx) => {
    await noteUnusualSignIn(deps, tx, caller, person, risk, false)
    await recordAuthEvent(deps, tx, caller, { type: 'step_up_required', success: false, personId: person.id, eventData: { score: risk.score, reasons: risk.reasons } })
  })
  return code
    ? fail('INVALID_OTP_TOKEN', 'OTP token validation has failed')
    : fail('OTP_REQUIRED', 'Additional verification is required for this sign-in: enter the code mailed to you as otpToken')
}

/** The auth log entry of an unusual sign-in and, once it succeeded, the UNUSUAL_LOGIN mail. */
async function noteUnusualSignIn(deps: Deps, tx: Transaction, caller: Caller, person: PersonCredentials, risk: RiskAssessment, success: boolean): Promise<void> {
  await recordAuthEvent(deps, tx, caller, { type: 'unusual_login_detected', success, personId: person.id, eventData: { score: risk.score, reasons: risk.reasons } })
  if (success && person.email) {
    await queueMail(deps, tx, {
      type: 'UNUSUAL_LOGIN', to: person.email, project: null, variant: null, secrets: [],
      variables: { email: person.email, geoCountry: caller.client.geoCountry ?? null, ipAddress: caller.client.ip },
    })
  }
}

// revealUserExists off: nothing tells an unknown email from a wrong password. revealLoginMethod
// off: nothing tells a wrong password from a person who signs in another way (no password).
const hidden = (login: LoginConfig, code: SignInErrorCode, message: string): Refusal =>
  !login.revealUserExists || (!login.revealLoginMethod && (code === 'INVALID_PASSWORD' || code === 'NO_PASSWORD_SET'))
    ? { code: 'INVALID_CREDENTIALS', message: 'Invalid email or password', raw: code }
    : { code, message, raw: code }

async function checkCredentials(person: PersonCredentials | null, email: string, password: string, login: LoginConfig): Promise<Refusal | null> {
  const hide = (code: SignInErrorCode, message: string) => hidden(login, code, message)
  // No password this long was ever accepted, so it cannot match; nothing is hashed for it.
  if (password.length > MAX_PASSWORD_LENGTH) {
    return person ? hide('INVALID_PASSWORD', 'Password does not match') : hide('UNKNOWN_EMAIL', `Person with email ${email} not found`)
  }
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
  if (person.disabledAt !== null) return { code: 'PERSON_DISABLED', message: 'Person is disabled', raw: 'PERSON_DISABLED' }
  return null
}
