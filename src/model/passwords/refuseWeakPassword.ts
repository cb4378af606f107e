import type { Deps } from '../deps.js'
import { fail } from '../result.js'
import { loadTenantConfig } from '../config/tenantConfig.js'
import { checkPassword, weakPasswordMessage } from './policy.js'

/**
 * TOO_WEAK with every broken rule when `password` breaks the configured policy, else null. With
 * `password.checkHibp`, a password known from breaches is COMPROMISED too (asked only for a
 * password that passed the other rules and is not too long to send a hash of anyway).
 */
export async function refuseWeakPassword(deps: Deps, password: string) {
  const policy = (await loadTenantConfig(deps.db)).password
  const reasons = checkPassword(password, policy)
  if (policy.checkHibp && reasons.length === 0 && await deps.breached(password)) reasons.push('COMPROMISED')
  return reasons.length > 0 ? fail('TOO_WEAK', weakPasswordMessage(reasons, policy), { weakPasswordReasons: reasons }) : null
}
