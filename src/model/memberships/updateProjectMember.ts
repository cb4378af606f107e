import type { Deps } from '../deps.js'
import type { Caller } from '../auth/authenticate.js'
import { announceIdentityChanged } from '../auth/announce.js'
import { ok, type Result } from '../result.js'
import { lockIdentity } from '../../db/queries/identities.js'
import { deleteMemberships, insertMemberships } from '../../db/queries/memberships.js'
import { normaliseMemberships, validateMemberships, type Membership } from '../acl/projectAcl.js'
import { invalidMembership } from '../api-keys/createApiKey.js'
import { isUuid } from '../persons/findPerson.js'
import { mayTouchMemberships, visibleMemberships, type ProjectAccess } from '../projects/projectAccess.js'
import { currentMemberships, forbidden, hidden, isBootstrap, notMember, projectForMembers, recordMembershipChange } from './memberRules.js'

export type UpdateProjectMemberErrorCode = 'PROJECT_NOT_FOUND' | 'NOT_MEMBER' | 'INVALID_MEMBERSHIP' | 'FORBIDDEN'

export async function updateProjectMember(deps: Deps, caller: Caller, args: { projectSlug: string; identityId: string; memberships: readonly Membership[] }):
    Promise<Result<null, UpdateProjectMemberErrorCode>> {
  const access = await projectForMembers(deps, caller, args.projectSlug, 'update')
  return access.ok ? update(deps, caller, access.value, args.identityId, args.memberships) : access
}

/**
 * Makes the member's memberships the given ones, as the reference does: the roles it names are
 * replaced, and the other roles the caller can see are removed (so `[]` removes all of them, and
 * the member with them when nothing else is left). Roles the caller cannot see stay.
 */
async function update(deps: Deps, caller: Caller, access: ProjectAccess, identityId: string, given: readonly Membership[]):
    Promise<Result<null, 'NOT_MEMBER' | 'INVALID_MEMBERSHIP' | 'FORBIDDEN'>> {
  const memberships = normaliseMemberships(given)
  if (!mayTouchMemberships(access, 'manage', memberships) || isBootstrap(deps, identityId)) return forbidden('update')
  const problems = validateMemberships(access.acl, memberships)
  if (problems.length > 0) return invalidMembership(problems)
  if (!isUuid(identityId)) return notMember()
  return deps.db.transaction(async (tx) => {
    await lockIdentity(tx, identityId)
    const current = await currentMemberships(tx, access, identityId)
    if (current.length === 0 || hidden(access, current)) return notMember()
    const roles = memberships.map((m) => m.role)
    const dropped = visibleMemberships(access, current).filter((m) => !roles.includes(m.role))
    if (!mayTouchMemberships(access, 'manage', [...current.filter((m) => roles.includes(m.role)), ...dropped])) return forbidden('update')
    await deleteMemberships(tx, access.project.id, identityId, [...roles, ...dropped.map((m) => m.role)])
    await insertMemberships(tx, access.project.id, identityId, memberships, deps.clock.now())
    await announceIdentityChanged(deps, tx, identityId)
    await recordMembershipChange(deps, tx, caller, 'project_membership_update', access, identityId, current, await currentMemberships(tx, access, identityId))
    return ok(null)
  })
}
