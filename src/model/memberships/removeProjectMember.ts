import type { Deps } from '../deps.js'
import type { Caller } from '../auth/authenticate.js'
import { announceIdentityChanged } from '../auth/announce.js'
import { ok, type Result } from '../result.js'
import { lockIdentity } from '../../db/queries/identities.js'
import { deleteMemberships } from '../../db/queries/memberships.js'
import { isUuid } from '../persons/findPerson.js'
import { mayTouchMemberships, type ProjectAccess } from '../projects/projectAccess.js'
import { currentMemberships, forbidden, hidden, isBootstrap, notMember, projectForMembers, recordMembershipChange } from './memberRules.js'

export type RemoveProjectMemberErrorCode = 'PROJECT_NOT_FOUND' | 'NOT_MEMBER' | 'FORBIDDEN'

export async function removeProjectMember(deps: Deps, caller: Caller, args: { projectSlug: string; identityId: string }):
    Promise<Result<null, RemoveProjectMemberErrorCode>> {
  const access = await projectForMembers(deps, caller, args.projectSlug, 'remove')
  return access.ok ? remove(deps, caller, access.value, args.identityId) : access
}

/** Removes all of an identity's memberships in the project. */
async function remove(deps: Deps, caller: Caller, access: ProjectAccess, identityId: string):
    Promise<Result<null, 'NOT_MEMBER' | 'FORBIDDEN'>> {
  // A caller without any rule to manage members learns nothing, not even who is one.
  if (!mayTouchMemberships(access, 'manage', []) || isBootstrap(deps, identityId)) return forbidden('remove')
  if (!isUuid(identityId)) return notMember()
  return deps.db.transaction(async (tx) => {
    await lockIdentity(tx, identityId)
    const current = await currentMemberships(tx, access, identityId)
    if (current.length === 0 || hidden(access, current)) return notMember()
    if (!mayTouchMemberships(access, 'manage', current)) return forbidden('remove')
    await deleteMemberships(tx, access.project.id, identityId)
    await announceIdentityChanged(deps, tx, identityId)
    await recordMembershipChange(deps, tx, caller, 'project_membership_remove', access, identityId, current, [])
    return ok(null)
  })
}
