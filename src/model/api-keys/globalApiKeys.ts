import type { Deps } from '../deps.js'
import { fail, ok, type Result } from '../result.js'
import type { Caller } from '../auth/authenticate.js'
import { forbiddenMessage, may } from '../acl/permissions.js'
import { selectGlobalApiKeys, type ApiKeyRow } from '../../db/queries/apiKeys.js'

/** Permanent keys of application identities with global roles (the special tokens not among them). */
export async function globalApiKeys(deps: Deps, caller: Caller): Promise<Result<ApiKeyRow[], 'FORBIDDEN'>> {
  if (!may(caller.roles, 'viewGlobalApiKeys')) return fail('FORBIDDEN', forbiddenMessage('viewGlobalApiKeys'))
  return ok(await selectGlobalApiKeys(deps.db))
}
