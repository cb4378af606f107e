import type { Deps } from '../deps.js'
import { fail, ok, type Result } from '../result.js'
import { claimOtpTimeStep, type PersonCredentials } from '../../db/queries/persons.js'
import { deleteSignInFailures } from '../../db/queries/signInFailures.js'
import type { Caller } from '../auth/authenticate.js'
import { loadTenantConfig } from '../config/tenantConfig.js'
import { verifyPassword } from '../passwords/hashing.js'
import { MAX_PASSWORD_LENGTH } from '../passwords/policy.js'
import { reserveAttempt } from '../sessions/backoff.js'
import { otpContext } from '../sessions/factors/totp.js'
import { checkOtp } from './totp.js'
import { forbiddenMessage } from '../acl/permissions.js'
import { myPerson } from '../persons/personAccess.js'
import { spendEmailOtp } from '../emailOtp/emailOtp.js'

/** A session this young has just proven the password (and code): it needs no second proof. */
export const RECENT_SIGN_IN_MS = 5 * 60_000

export interface Proof {
  password?: string | null
  otpToken?: string | null
}

/**
 * Before an active second factor is turned off or replaced, the person proves it is them: with
 * the password, a current code, or a session that signed in moments ago. Otherwise whoever stole
 * a session could remove the second factor and keep the account for good. Password guesses count
 * toward the sign-in back-off; a code is spent once used. (The reference asked for nothing.)
 * FORBIDDEN is no schema code: the resolvers answer it with a ForbiddenError.
 */
export async function confirmPresence(deps: Deps, person: PersonCredentials, caller: Caller, proof: Proof):
    Promise<Result<null, 'FORBIDDEN'>> {
  if (person.otpActivatedAt === null && !person.emailOtpEnabled) return ok(null)
  const now = deps.clock.now()
  if (proof.otpToken && person.otpActivatedAt === null) {
    // Email OTP: the code initEmailOtp mailed.
    return await spendEmailOtp(deps, person, proof.otpToken) ? ok(null) : fail('FORBIDDEN', 'The code is not valid')
  }
  if (proof.otpToken) {
    const secret = deps.secrets.decrypt(person.otpSecretEncrypted!, otpContext(person.id))
    const step = await checkOtp(secret, proof.otpToken, now, person.otpLastTimeStep)
    if (step === null || !await claimOtpTimeStep(deps.db, person.id, step)) return fail('FORBIDDEN', 'The code is not valid')
    return ok(null)
  }
  if (proof.password != null) {
    if (person.passwordHash === null) return fail('FORBIDDEN', 'No password set; confirm with a code instead')
    const email = person.email ?? person.id
    const reserved = await reserveAttempt(deps, email, (await loadTenantConfig(deps.db)).login)
    if (!reserved.ok) return fail('FORBIDDEN', reserved.message)
    if (proof.password.length > MAX_PASSWORD_LENGTH || !await verifyPassword(person.passwordHash, proof.password)) {
      return fail('FORBIDDEN', 'Password does not match')
    }
    await deleteSignInFailures(deps.db, email)
    return ok(null)
  }
  const recent = caller.apiKeyType === 'session' && now.getTime() - caller.apiKeyCreatedAt.getTime() < RECENT_SIGN_IN_MS
  return recent ? ok(null) : fail('FORBIDDEN', 'Confirm with your password or a current code to change two-factor authentication')
}

/**
 * The caller's own person, for the TOTP operations. There is no "not a person" code in their
 * payloads, so an identity without one is refused like any other forbidden call; with `proof`,
 * the person must also confirm presence (see confirmPresence).
 */
export async function otpOwner(deps: Deps, caller: Caller, proof?: Proof): Promise<Result<PersonCredentials, 'FORBIDDEN'>> {
  const person = await myPerson(deps, caller, 'manageMyOtp', '')
  if (!person.ok) return fail('FORBIDDEN', forbiddenMessage('manageMyOtp'))
  if (proof) {
    const confirmed = await confirmPresence(deps, person.value, caller, proof)
    if (!confirmed.ok) return confirmed
  }
  return person
}
