import type { Deps } from '../deps.js'
import { fail, type Result } from '../result.js'
import type { PersonCredentials } from '../../db/queries/persons.js'
import { loadTenantConfig } from '../config/tenantConfig.js'
import { verifyPassword } from '../passwords/hashing.js'
import { checkPassword } from '../passwords/policy.js'
import { setPassword } from './changePassword.js'

export async function changeMyPassword(deps: Deps, person: PersonCredentials, currentPassword: string, newPassword: string):
    Promise<Result<null, 'NO_PASSWORD_SET' | 'INVALID_PASSWORD' | 'TOO_WEAK'>> {
  if (person.passwordHash === null) return fail('NO_PASSWORD_SET', 'No password set')
  // The policy first, as the reference: a weak new password is refused before the current one is checked.
  const reasons = checkPassword(newPassword, (await loadTenantConfig(deps.db)).password)
  if (reasons.length > 0) return fail('TOO_WEAK', 'Password is too weak', { weakPasswordReasons: reasons })
  if (!await verifyPassword(person.passwordHash, currentPassword)) return fail('INVALID_PASSWORD', 'Password does not match')
  return setPassword(deps, person.id, newPassword)
}
