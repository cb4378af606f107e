import type { Deps } from '../deps.js'
import { fail, ok, type Result } from '../result.js'
import { updatePersonPasswordHash } from '../../db/queries/persons.js'
import { loadTenantConfig } from '../config/tenantConfig.js'
import { checkPassword } from '../passwords/policy.js'
import { hashPassword } from '../passwords/hashing.js'

/** Sets a new password after checking it against the policy (`changePassword`, `changeMyPassword`). */
export async function setPassword(deps: Deps, personId: string, password: string): Promise<Result<null, 'TOO_WEAK'>> {
  const reasons = checkPassword(password, (await loadTenantConfig(deps.db)).password)
  if (reasons.length > 0) return fail('TOO_WEAK', 'Password is too weak', { weakPasswordReasons: reasons })
  const hash = await hashPassword(password)
  return deps.db.transaction(async (tx) => {
    await updatePersonPasswordHash(tx, personId, hash)
    return ok(null)
  })
}
