import type { Deps } from '../deps.js'
import { fail, ok, type Result } from '../result.js'
import { publicPerson, updatePersonPasswordHash } from '../../db/queries/persons.js'
import { loadTenantConfig } from '../config/tenantConfig.js'
import { MAX_EMAIL_LENGTH, normaliseEmail } from '../persons/email.js'
import type { Caller } from '../auth/authenticate.js'
import { forbiddenMessage, may } from '../acl/permissions.js'
import { effectivePolicy, personRoles } from '../authPolicies/effectivePolicy.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { selectExclusiveProviderOf } from '../../db/queries/identityProviders.js'
import type { SignInOptions } from './createSession.js'
import { releaseAttempt } from './backoff.js'
import { concealed, issueSession, openAttempt, type SignedIn } from './signInSteps.js'
import { checkSecondFactor } from './secondFactor.js'
import { checkPassword, rehashedPassword } from './factors/password.js'
import { claimSecondFactor, otpAlreadyUsed } from './factors/proof.js'
import { noteUnusualSignIn, stepUp } from './factors/stepUp.js'

export type { SignedIn } from './signInSteps.js'

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

/** What an attempt found out, for its auth log entry. */
interface Attempt {
  result: Result<SignedIn, SignInErrorCode>
  email: string
  personId: string | null
  /** The code before revealUserExists/revealLoginMethod hid it. */
  rawCode: SignInErrorCode | null
}

/**
 * Email and password (and a second factor when the person has one) -> a new session token.
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

/** The password method: the shared steps (signInSteps.ts) around the password, then whatever second factor applies. */
async function attemptSignIn(deps: Deps, caller: Caller, input: SignInInput): Promise<Attempt> {
  const config = await loadTenantConfig(deps.db)
  const email = normaliseEmail(input.email)
  const answer = (result: Result<SignedIn, SignInErrorCode>, personId: string | null = null, rawCode: SignInErrorCode | null = null): Attempt =>
    ({ result, email, personId, rawCode })
  const refuse = (refusal: { code: SignInErrorCode; message: string; raw: SignInErrorCode }, personId: string | null = null) =>
    answer(fail(refusal.code, refusal.message), personId, refusal.raw)

  // The attempt is counted before the password is checked (see reserveAttempt).
  const opened = await openAttempt(deps, caller, email, config.login)
  if (!opened.ok) return 'raw' in opened ? refuse(opened) : answer(opened)
  const { person, reservation } = opened.value
  const refusal = await checkPassword(person, email, input.password, config.login)
  if (refusal) return refuse(refusal, person?.id ?? null)
  const found = person!
  // A person of an exclusive identity provider signs in only through it.
  const exclusive = await selectExclusiveProviderOf(deps.db, found.id)
  if (exclusive) return refuse(concealed(config.login, 'NO_PASSWORD_SET', `This person signs in through the identity provider ${exclusive}`), found.id)

  // The password was right, so what follows is no guess: an unverified address, or the first
  // step of a normal two-step sign-in (no code tried yet), gives its attempt back, and the next
  // step may follow at once.
  if (found.emailVerificationRequired && !found.emailVerified) {
    await releaseAttempt(deps, reservation)
    return answer(fail('EMAIL_NOT_VERIFIED', 'E-mail address has not been verified'), found.id)
  }
  const policy = await effectivePolicy(deps, found.identityId, personRoles(found))
  const second = await checkSecondFactor(deps, caller, found, input, { config, policy, enrol: true })
  if (!second.ok) {
    if (second.code !== 'INVALID_OTP_TOKEN') await releaseAttempt(deps, reservation)
    return answer(second, found.id)
  }
  const risk = await stepUp(deps, caller, found, input.otpToken, config, second.value.proven)
  if (!risk.ok) {
    if (risk.code === 'OTP_REQUIRED') await releaseAttempt(deps, reservation)
    return answer(risk, found.id)
  }

  const rehash = await rehashedPassword(found, input.password)
  const result = await deps.db.transaction(async (tx): Promise<Result<SignedIn, SignInErrorCode>> => {
    if (!await claimSecondFactor(tx, found.id, second.value.step)) return otpAlreadyUsed()
    if (rehash) await updatePersonPasswordHash(tx, found.id, rehash)
    const session = await issueSession(deps, tx, caller, {
      person: found, requested: input.expiration, login: config.login, policy, options: input.options, clearFailuresOf: email, factor: second.value,
      event: (sessionId) => ({ type: 'login', success: true, personId: found.id, personInputIdentifier: email, metadata: { sessionId } }),
    })
    if (risk.value) await noteUnusualSignIn(deps, tx, caller, found, risk.value, true)
    // An enrolment this sign-in finished turned TOTP on after `found` was read.
    const signedIn = second.value.backupCodes ? { ...publicPerson(found), otpEnabled: true } : publicPerson(found)
    return ok({ token: session.token, person: signedIn, backupCodes: second.value.backupCodes })
  })
  return answer(result, found.id)
}
