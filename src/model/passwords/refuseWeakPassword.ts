import type { Deps } from '../deps.js'
import { fail } from '../result.js'
import { loadTenantConfig } from '../config/tenantConfig.js'
import { checkPassword } from './policy.js'

/** TOO_WEAK with every broken rule when `password` breaks the configured policy, else null. */
export async function refuseWeakPassword(deps: Deps, password: string) {
  const reasons = checkPassword(password, (await loadTenantConfig(deps.db)).password)
  return reasons.length > 0 ? fail('TOO_WEAK', 'Password is too weak', { weakPasswordReasons: reasons }) : null
}
