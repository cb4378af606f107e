import { createHash } from 'node:crypto'
import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import type { Caller } from '../auth/authenticate.js'
import { may } from '../acl/permissions.js'
import { fail, ok, type Result } from '../result.js'
import { markEmailVerified, publicPerson, selectPersonCredentials, type PersonCredentials } from '../../db/queries/persons.js'
import { markPersonTokenUsed, releaseOtpAttempt, reserveOtpAttempt, selectPersonTokenById, type PersonTokenRow } from '../../db/queries/personTokens.js'
import { loadTenantConfig } from '../config/tenantConfig.js'
import { isUuid } from '../persons/findPerson.js'
import { tokenNotFound, tokenRefusal } from '../personTokens.js'
import type { SignInOptions } from '../sessions/createSession.js'
import { effectivePolicy, personRoles } from '../authPolicies/effectivePolicy.js'
import { releaseAttempt, reserveAttempt } from '../sessions/backoff.js'
import { checkSecondFactor } from '../sessions/secondFactor.js'
import { claimSecondFactor, otpAlreadyUsed } from '../sessions/factors/proof.js'
import { issueSession, type SignedIn } from '../sessions/signInSteps.js'
import { hashToken, sameHash } from '../tokens.js'
import { passwordlessAllowed } from './passwordlessPolicy.js'

/** Wrong codes a passwordless request takes before it stops working. */
export const MAX_OTP_ATTEMPTS = 3

export type SignInPasswordlessErrorCode = 'TOKEN_NOT_FOUND' | 'TOKEN_INVALID' | 'TOKEN_EXPIRED' | 'TOKEN_USED' | 'PERSON_DISABLED' |
  'OTP_REQUIRED' | 'INVALID_OTP_TOKEN' | 'MFA_ENROLLMENT_REQUIRED' | 'FORBIDDEN'

export interface SignInPasswordlessInput {
  requestId: string
  validationType: 'token' | 'otp'
  /** The mailed token, or (validationType otp) the code the client set with activatePasswordlessOtp. */
  token: string
  expiration?: number | null
  /** The TOTP code (or the mailed one, with email OTP), for a person with a second factor. */
  mfaOtp?: string | null
  /** A backup code instead of `mfaOtp`. */
  backupCode?: string | null
  options?: SignInOptions | null
}

/** The sha256 (hex) that activatePasswordlessOtp stores for a code. */
export const otpHashOf = (code: string) => createHash('sha256').update(code, 'utf8').digest('hex')

/**
 * A passwordless request (initSignInPasswordless) and its mailed token, or the code the client
 * exchanged it for, -> a session, once. A code may be wrong MAX_OTP_ATTEMPTS times; then the
 * request is spent (TOKEN_EXPIRED). The email counts as verified: the token came through it.
 */
export async function signInPasswordless(deps: Deps, caller: Caller, input: SignInPasswordlessInput): Promise<Result<SignedIn, SignInPasswordlessErrorCode>> {
  if (!may(caller.roles, 'signInPasswordless')) return fail('FORBIDDEN', 'You are not allowed to sign in using passwordless')
  const result = await attempt(deps, caller, input)
  if (!result.ok) {
    await recordAuthEvent(deps, deps.db, caller, { type: 'passwordless_login', success: false, errorCode: result.code, errorMessage: result.message, metadata: { requestId: input.requestId.slice(0, 100) } })
  }
  return result
}

async function attempt(deps: Deps, caller: Caller, input: SignInPasswordlessInput): Promise<Result<SignedIn, SignInPasswordlessErrorCode>> {
  const found = await openRequest(deps, input.requestId, input.validationType, input.token)
  if (!found.ok) return found
  const { request, person } = found.value
  const config = await loadTenantConfig(deps.db)
  if (person.disabledAt !== null) return fail('PERSON_DISABLED', 'Person is disabled')
  if (!passwordlessAllowed(config.passwordless.enabled, person.passwordlessEnabled)) return fail('TOKEN_INVALID', 'Passwordless sign-in is disabled for this person')
  const policy = await effectivePolicy(deps, person.identityId, personRoles(person))
  // A code guessed here counts towards the sign-in back-off of the person, as in signIn: the
  // mailed link alone must not give unlimited tries at the second factor.
  const guessing = Boolean(input.mfaOtp || input.backupCode)
  const reserved = guessing ? await reserveAttempt(deps, person.email!, config.login) : null
  // The schema has no rate-limit code here: the code is refused unchecked, with when to retry.
  if (reserved && !reserved.ok) return fail('INVALID_OTP_TOKEN', `Too many wrong codes: ${reserved.message}`)
  const second = await checkSecondFactor(deps, caller, person, { otpToken: input.mfaOtp, backupCode: input.backupCode }, { config, policy, enrol: false })
  if (!second.ok) {
    if (reserved?.ok && second.code !== 'INVALID_OTP_TOKEN') await releaseAttempt(deps, reserved.value)
    return second
  }
  const now = deps.clock.now()
  return deps.db.transaction(async (tx) => {
    // Two sign-ins with one token: one wins.
    if (!await markPersonTokenUsed(tx, request.id, now)) return fail('TOKEN_USED', 'Token used')
    if (!await claimSecondFactor(tx, person.id, second.value.step)) return otpAlreadyUsed()
    await markEmailVerified(tx, person.id, now)
    const session = await issueSession(deps, tx, caller, {
      person, requested: input.expiration, login: config.login, policy, options: input.options, clearFailuresOf: guessing ? person.email : null, factor: second.value,
      event: (sessionId) => ({ type: 'passwordless_login', success: true, personId: person.id, metadata: { requestId: request.id, sessionId } }),
    })
    return ok({ token: session.token, person: { ...publicPerson(person), emailVerified: true } })
  })
}

/**
 * A passwordless request and its person, when `token` is right for it. A wrong code counts
 * against the request (committed at once, whatever follows).
 */
export async function openRequest(deps: Deps, requestId: string, validationType: 'token' | 'otp', token: string):
    Promise<Result<{ request: PersonTokenRow; person: PersonCredentials }, 'TOKEN_NOT_FOUND' | 'TOKEN_INVALID' | 'TOKEN_EXPIRED' | 'TOKEN_USED'>> {
  const request = isUuid(requestId) ? await selectPersonTokenById(deps.db, 'passwordless', requestId) : null
  if (!request) return tokenNotFound()
  if (validationType === 'otp') {
    if (request.otpHash === null) return fail('TOKEN_INVALID', 'OTP not set')
    // The try is taken before the code is compared (and given back when it is right), so a burst
    // of guesses gets MAX_OTP_ATTEMPTS comparisons, not one each.
    if (!await reserveOtpAttempt(deps.db, request.id, MAX_OTP_ATTEMPTS)) return fail('TOKEN_EXPIRED', 'OTP attempts exceeded')
    if (!sameHash(otpHashOf(token), request.otpHash)) return fail('TOKEN_INVALID', 'OTP invalid')
    await releaseOtpAttempt(deps.db, request.id)
  } else {
    if (request.otpHash !== null) return fail('TOKEN_INVALID', 'The token was exchanged for OTP')
    if (!sameHash(hashToken(token), request.tokenHash)) return fail('TOKEN_INVALID', 'Token invalid')
  }
  const person = await selectPersonCredentials(deps.db, { id: request.personId })
  if (!person) return tokenNotFound()
  // A disabled person is told so by the sign-in (PERSON_DISABLED), after the token checked out.
  const refusal = tokenRefusal(request, deps.clock.now(), { email: person.email, disabledAt: null })
  return refusal ?? ok({ request, person })
}
