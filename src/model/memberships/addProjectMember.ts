import type { Deps } from '../deps.js'
import type { Caller } from '../auth/authenticate.js'
import { announceIdentityChanged } from '../auth/announce.js'
import { fail, ok, type Result } from '../result.js'
import { isUniqueViolation } from '../../db/errors.js'
import { lockIdentity } from '../../db/queries/identities.js'
import { insertMemberships } from '../../db/queries/memberships.js'
import { normaliseMemberships, validateMemberships, type Membership } from '../acl/projectAcl.js'
import { invalidMembership } from '../api-keys/createApiKey.js'
import { isUuid } from '../persons/findPerson.js'
import { mayTouchMemberships, type ProjectAccess } from '../projects/projectAccess.js'
import { alreadyMember, currentMemberships, forbidden, hidden, isBootstrap, projectForMembers, recordMembershipChange } from './memberRules.js'

export type AddProjectMemberErrorCode = 'PROJECT_NOT_FOUND' | 'IDENTITY_NOT_FOUND' | 'ALREADY_MEMBER' | 'INVALID_MEMBERSHIP' | 'FORBIDDEN'

export async function addProjectMember(deps: Deps, caller: Caller, args: { projectSlug: string; identityId: string; memberships: readonly Membership[] }):
    Promise<Result<null, AddProjectMemberErrorCode>> {
  const access = await projectForMembers(deps, caller, args.projectSlug, 'add')
  return access.ok ? add(deps, caller, access.value, args.identityId, args.memberships) : access
}

async function add(deps: Deps, caller: Caller, access: ProjectAccess, identityId: string, given: readonly Membership[]):
    Promise<Result<null, 'IDENTITY_NOT_FOUND' | 'ALREADY_MEMBER' | 'INVALID_MEMBERSHIP' | 'FORBIDDEN'>> {
  const memberships = normaliseMemberships(given)
  if (!mayTouchMemberships(access, 'manage', memberships) || isBootstrap(deps, identityId)) return forbidden('add')
  const problems = validateMemberships(access.acl, memberships)
  if (problems.length > 0) return invalidMembership(problems)
  if (!isUuid(identityId)) return fail('IDENTITY_NOT_FOUND', `Identity ${identityId} not found`)
  return deps.db.transaction(async (tx) => {
    if (!await lockIdentity(tx, identityId)) return fail('IDENTITY_NOT_FOUND', `Identity ${identityId} not found`)
    const current = await currentMemberships(tx, access, identityId)
    // Telling ALREADY_MEMBER about a member the caller cannot see would reveal the membership.
    if (current.length > 0) return hidden(access, current) ? forbidden('add') : alreadyMember()
    try {
      await insertMemberships(tx, access.project.id, identityId, memberships, deps.clock.now())
      await announceIdentityChanged(deps, tx, identityId)
      await recordMembershipChange(deps, tx, caller, 'project_membership_create', access, identityId, [], memberships)
    } catch (error) {
      if (isUniqueViolation(error, 'project_membership_unique')) return alreadyMember()
      throw error
    }
    return ok(null)
  })
}
