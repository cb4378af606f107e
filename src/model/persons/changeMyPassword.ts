import type { Deps } from '../deps.js'
import { fail, type Result } from '../result.js'
import type { PersonCredentials } from '../../db/queries/persons.js'
import { verifyPassword } from '../passwords/hashing.js'
import { refuseWeakPassword } from '../passwords/refuseWeakPassword.js'
import { storePassword } from './changePassword.js'

export async function changeMyPassword(deps: Deps, person: PersonCredentials, currentPassword: string, newPassword: string):
    Promise<Result<null, 'NO_PASSWORD_SET' | 'INVALID_PASSWORD' | 'TOO_WEAK'>> {
  if (person.passwordHash === null) return fail('NO_PASSWORD_SET', 'No password set')
  // The policy first, as the reference: a weak new password is refused before the current one is checked.
  const weak = await refuseWeakPassword(deps, newPassword)
  if (weak) return weak
  if (!await verifyPassword(person.passwordHash, currentPassword)) return fail('INVALID_PASSWORD', 'Password does not match')
  return storePassword(deps, person.id, newPassword)
}
