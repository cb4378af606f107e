import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { fail, type Result } from '../result.js'
import type { Caller } from '../auth/authenticate.js'
import { forbiddenMessage, may, mayAssignGlobalRoles } from '../acl/permissions.js'
import { invalidGlobalRole } from '../identities/globalRoles.js'
import { createProjectApiKey, invalidTokenHash, isTokenHash, type CreatedApiKey } from './createApiKey.js'

export type CreateGlobalApiKeyErrorCode = 'FORBIDDEN' | 'INVALID_ROLE_NAME' | 'INVALID_TOKEN_HASH' | 'TOKEN_HASH_IN_USE'

/**
 * An application identity with global roles and a permanent key. A project admin may hand out
 * only the roles it may grant. FORBIDDEN and the INVALID_ codes are no schema codes: the resolver
 * answers them as a ForbiddenError and a UserInputError.
 */
export async function createGlobalApiKey(deps: Deps, caller: Caller, input: {
  roles: readonly string[]; description: string; tokenHash?: string | null; trustForwardedClientInfo?: boolean | null
}):
    Promise<Result<CreatedApiKey, CreateGlobalApiKeyErrorCode>> {
  if (!may(caller.roles, 'createGlobalApiKey') || !mayAssignGlobalRoles(caller.roles, input.roles)) {
    return fail('FORBIDDEN', forbiddenMessage('createGlobalApiKey'))
  }
  // `person` is allowed here, as in the reference: an application identity holding it is still no
  // person (the `my` operations answer NOT_A_PERSON).
  const invalid = invalidGlobalRole(input.roles.filter((role) => role !== 'person'))
  if (invalid !== undefined) return fail('INVALID_ROLE_NAME', `Role "${invalid}" cannot be a global role`)
  if (input.tokenHash != null && !isTokenHash(input.tokenHash)) return invalidTokenHash('tokenHash')
  return deps.db.transaction(async (tx) => {
    const created = await createProjectApiKey(tx, deps, { ...input, globalRoles: input.roles })
    if (created.ok) {
      await recordAuthEvent(deps, tx, caller, { type: 'api_key_create', success: true, eventData: {
        scope: 'global', apiKeyId: created.value.id, identityId: created.value.identityId, description: input.description, roles: input.roles,
        trustForwardedClientInfo: input.trustForwardedClientInfo ?? false,
      } })
    }
    return created
  })
}
