import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { isBootstrapIdentity, type Deps } from '../deps.js'
import { announceKeyChanged } from '../auth/announce.js'
import type { Caller } from '../auth/authenticate.js'
import { fail, ok, type Result } from '../result.js'
import { forbiddenMessage, may, mayActOnIdentity } from '../acl/permissions.js'
import { selectApiKeyById, setApiKeyDisabled } from '../../db/queries/apiKeys.js'
import { selectIdentitiesByIds } from '../../db/queries/identities.js'
import { selectMemberships } from '../../db/queries/memberships.js'
import { selectProjectsByIds } from '../../db/queries/projects.js'
import { isProjectAdmin, projectAccessFor } from '../projects/projectAccess.js'
import { isUuid } from '../persons/findPerson.js'

/** The identity a key belongs to, as far as the rule below needs it. */
export interface KeyOwner {
  roles: readonly string[]
  hasPerson: boolean
  /** For each project the owner is a member of: does the caller administer it? */
  projectsAdministered: readonly boolean[]
}

/**
 * Super admins and global project admins may disable a key of an identity holding no global role
 * they could not grant; an admin of projects may disable a key of an application identity
 * without global roles that is a member only of projects it administers (the reference allowed
 * only the former).
 */
export function mayDisableKeyOf(callerRoles: readonly string[], owner: KeyOwner): boolean {
  if (may(callerRoles, 'disableApiKey')) return mayActOnIdentity(callerRoles, owner.roles)
  if (owner.hasPerson || owner.roles.length > 0) return false
  return owner.projectsAdministered.length > 0 && owner.projectsAdministered.every(Boolean)
}

export type DisableApiKeyErrorCode = 'KEY_NOT_FOUND' | 'FORBIDDEN'

/**
 * Disables a key: its next request gets 401 on every node. Disabling twice succeeds and keeps the
 * first time. The root and login keys are refused even to super admins: they follow the
 * environment, and a disabled login key would stop every sign-in. FORBIDDEN is no schema code:
 * the resolver answers it with a ForbiddenError.
 */
export async function disableApiKey(deps: Deps, caller: Caller, id: string): Promise<Result<null, DisableApiKeyErrorCode>> {
  // A malformed id would make PostgreSQL throw; for the caller it is an unknown key.
  const key = isUuid(id) ? await selectApiKeyById(deps.db, id) : null
  if (!key) {
    // Only those who may disable keys learn that an id is unknown.
    return may(caller.roles, 'disableApiKey') ? fail('KEY_NOT_FOUND', 'API key not found') : fail('FORBIDDEN', forbiddenMessage('disableApiKey'))
  }
  if (isBootstrapIdentity(deps, key.identityId)) {
    return fail('FORBIDDEN', forbiddenMessage('disableApiKey', ': the root and login tokens follow the environment'))
  }
  const owner = await keyOwner(deps, caller, key.identityId)
  if (!owner || !mayDisableKeyOf(caller.roles, owner)) return fail('FORBIDDEN', forbiddenMessage('disableApiKey'))
  return deps.db.transaction(async (tx) => {
    await setApiKeyDisabled(tx, key.id, deps.clock.now())
    // Delivered at commit: every node drops the key from its cache, so its next request is a 401.
    await announceKeyChanged(deps, tx, key.tokenHash)
    await recordAuthEvent(deps, tx, caller, { type: 'api_key_disable', success: true, eventData: { apiKeyId: id, identityId: key.identityId } })
    return ok(null)
  })
}

async function keyOwner(deps: Deps, caller: Caller, identityId: string): Promise<KeyOwner | null> {
  const [identity] = await selectIdentitiesByIds(deps.db, [identityId])
  if (!identity) return null
  const owner = { roles: identity.roles, hasPerson: identity.personId !== null, projectsAdministered: [] as boolean[] }
  // Which projects the caller administers matters only to a caller without the global right.
  if (may(caller.roles, 'disableApiKey') || owner.hasPerson || owner.roles.length > 0) return owner
  const groups = await selectMemberships(deps.db, { identityIds: [identityId] })
  const projects = groups.length ? await selectProjectsByIds(deps.db, groups.map((g) => g.projectId)) : []
  owner.projectsAdministered = await Promise.all(projects.map(async (project) => isProjectAdmin(await projectAccessFor(deps, caller, project))))
  return owner
}
