import type { Deps } from '../deps.js'
import { fail, type Result } from '../result.js'
import type { PersonCredentials } from '../../db/queries/persons.js'
import { deleteSignInFailures } from '../../db/queries/signInFailures.js'
import { loadTenantConfig } from '../config/tenantConfig.js'
import { verifyPassword } from '../passwords/hashing.js'
import { MAX_PASSWORD_LENGTH } from '../passwords/policy.js'
import { refuseWeakPassword } from '../passwords/refuseWeakPassword.js'
import { reserveAttempt } from '../sessions/backoff.js'
import { storePassword } from './changePassword.js'
import type { Caller } from '../auth/authenticate.js'
import { myPerson } from './personAccess.js'

export type ChangeMyPasswordErrorCode = 'NO_PASSWORD_SET' | 'INVALID_PASSWORD' | 'TOO_WEAK' | 'NOT_A_PERSON' | 'FORBIDDEN'

/**
 * The current password is checked first, and each check counts toward the same back-off as
 * sign-in (per email), so a stolen session cannot be used to guess it. The schema has no
 * rate-limit code here: a refused attempt answers INVALID_PASSWORD without checking anything.
 * (The reference checked the policy first and had no limit.)
 */
export async function changeMyPassword(deps: Deps, caller: Caller, args: { currentPassword: string; newPassword: string }):
    Promise<Result<null, ChangeMyPasswordErrorCode>> {
  const person = await myPerson(deps, caller, 'changeMyPassword', 'Only a person can change a password')
  return person.ok ? change(deps, person.value, caller, args.currentPassword, args.newPassword) : person
}

async function change(deps: Deps, person: PersonCredentials, caller: Caller, currentPassword: string, newPassword: string):
    Promise<Result<null, ChangeMyPasswordErrorCode>> {
  if (person.passwordHash === null) return fail('NO_PASSWORD_SET', 'No password set')
  const { login } = await loadTenantConfig(deps.db)
  const email = person.email ?? person.id
  const reserved = await reserveAttempt(deps, email, login)
  if (!reserved.ok) return fail('INVALID_PASSWORD', reserved.message, reserved.details)
  if (currentPassword.length > MAX_PASSWORD_LENGTH || !await verifyPassword(person.passwordHash, currentPassword)) {
    return fail('INVALID_PASSWORD', 'Password does not match')
  }
  await deleteSignInFailures(deps.db, email)
  const weak = await refuseWeakPassword(deps, newPassword)
  if (weak) return weak
  return storePassword(deps, person, newPassword, caller.apiKeyId, { caller, self: true })
}
