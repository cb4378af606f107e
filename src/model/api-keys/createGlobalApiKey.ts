import type { Deps } from '../deps.js'
import { fail, type Result } from '../result.js'
import type { Principal } from '../auth/authenticate.js'
import { forbiddenMessage, may, mayAssignGlobalRoles } from '../acl/permissions.js'
import { invalidGlobalRole } from '../identities/globalRoles.js'
import { createProjectApiKey, invalidTokenHash, isTokenHash, type CreatedApiKey } from './createApiKey.js'

export type CreateGlobalApiKeyErrorCode = 'FORBIDDEN' | 'INVALID_ROLE_NAME' | 'INVALID_TOKEN_HASH' | 'TOKEN_HASH_IN_USE'

/**
 * An application identity with global roles and a permanent key. A project admin may hand out
 * only the roles it may grant. FORBIDDEN and the INVALID_ codes are no schema codes: the resolver
 * answers them as a ForbiddenError and a UserInputError.
 */
export async function createGlobalApiKey(deps: Deps, caller: Principal, input: { roles: readonly string[]; description: string; tokenHash?: string | null }):
    Promise<Result<CreatedApiKey, CreateGlobalApiKeyErrorCode>> {
  if (!may(caller.roles, 'createGlobalApiKey') || !mayAssignGlobalRoles(caller.roles, input.roles)) {
    return fail('FORBIDDEN', forbiddenMessage('createGlobalApiKey'))
  }
  const invalid = invalidGlobalRole(input.roles)
  if (invalid !== undefined) return fail('INVALID_ROLE_NAME', `Role "${invalid}" cannot be a global role`)
  if (input.tokenHash != null && !isTokenHash(input.tokenHash)) return invalidTokenHash('tokenHash')
  return deps.db.transaction((tx) =>
    createProjectApiKey(tx, deps, { globalRoles: input.roles, description: input.description, tokenHash: input.tokenHash }))
}
