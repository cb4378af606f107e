import type { Deps } from '../deps.js'
import { fail, ok, type Result } from '../result.js'
import type { Caller } from '../auth/authenticate.js'
import { forbiddenMessage, may } from '../acl/permissions.js'
import { loadTenantConfig, type TenantConfig } from './tenantConfig.js'

/** The tenant-wide settings in effect, for super admins and project admins. */
export async function configuration(deps: Deps, caller: Caller): Promise<Result<TenantConfig, 'FORBIDDEN'>> {
  if (!may(caller.roles, 'viewConfiguration')) return fail('FORBIDDEN', forbiddenMessage('viewConfiguration'))
  return ok(await loadTenantConfig(deps.db))
}
