import type { Queryable } from '../../db/db.js'
import type { Deps } from '../deps.js'
import { announceIdentityChanged } from '../auth/announce.js'
import { fail, ok, type Result } from '../result.js'
import { isUniqueViolation } from '../../db/errors.js'
import { lockIdentity } from '../../db/queries/identities.js'
import { deleteMemberships, insertMemberships, selectMemberships } from '../../db/queries/memberships.js'
import { normaliseMemberships, validateMemberships, type Membership } from '../acl/projectAcl.js'
import { invalidMembership } from '../api-keys/createApiKey.js'
import { isUuid } from '../persons/findPerson.js'
import { mayTouchMemberships, type ProjectAccess } from '../projects/projectAccess.js'

// addProjectMember, updateProjectMember and removeProjectMember. Each locks the identity first,
// so concurrent changes to one member queue instead of racing past the "already a member"
// check. FORBIDDEN is not a schema code: the resolver turns it into a ForbiddenError.

const forbidden = (what: 'add' | 'update' | 'remove') => fail('FORBIDDEN', {
  add: 'You are not allowed to add a project member',
  update: 'You are not allowed to update project member variables',
  remove: 'You are not allowed to remove a project member',
}[what])

async function currentMemberships(tx: Queryable, access: ProjectAccess, identityId: string) {
  const [group] = await selectMemberships(tx, { projectIds: [access.project.id], identityIds: [identityId] })
  return group?.memberships ?? []
}

const alreadyMember = () => fail('ALREADY_MEMBER', 'This identity is already a project member. Use updateProjectMember mutation to change memberships.')
const notMember = () => fail('NOT_MEMBER', 'Not a project member')

export async function addProjectMember(deps: Deps, access: ProjectAccess, identityId: string, given: readonly Membership[]):
    Promise<Result<null, 'IDENTITY_NOT_FOUND' | 'ALREADY_MEMBER' | 'INVALID_MEMBERSHIP' | 'FORBIDDEN'>> {
  const memberships = normaliseMemberships(given)
  if (!mayTouchMemberships(access, 'manage', memberships)) return forbidden('add')
  const problems = validateMemberships(access.acl, memberships)
  if (problems.length > 0) return invalidMembership(problems)
  if (!isUuid(identityId)) return fail('IDENTITY_NOT_FOUND', `Identity ${identityId} not found`)
  return deps.db.transaction(async (tx) => {
    if (!await lockIdentity(tx, identityId)) return fail('IDENTITY_NOT_FOUND', `Identity ${identityId} not found`)
    if ((await currentMemberships(tx, access, identityId)).length > 0) {
      return alreadyMember()
    }
    try {
      await insertMemberships(tx, access.project.id, identityId, memberships, deps.clock.now())
      await announceIdentityChanged(deps, tx, identityId)
    } catch (error) {
      if (isUniqueViolation(error, 'project_membership_unique')) return alreadyMember()
      throw error
    }
    return ok(null)
  })
}

/**
 * Replaces the memberships of the roles it names; the member's other roles stay
 * (BEHAVIOUR.md; Contember 2.0.8 replaced all of them).
 */
export async function updateProjectMember(deps: Deps, access: ProjectAccess, identityId: string, given: readonly Membership[]):
    Promise<Result<null, 'NOT_MEMBER' | 'INVALID_MEMBERSHIP' | 'FORBIDDEN'>> {
  const memberships = normaliseMemberships(given)
  if (!mayTouchMemberships(access, 'manage', memberships)) return forbidden('update')
  const problems = validateMemberships(access.acl, memberships)
  if (problems.length > 0) return invalidMembership(problems)
  if (!isUuid(identityId)) return notMember()
  return deps.db.transaction(async (tx) => {
    await lockIdentity(tx, identityId)
    const current = await currentMemberships(tx, access, identityId)
    if (current.length === 0) return notMember()
    const roles = memberships.map((m) => m.role)
    if (!mayTouchMemberships(access, 'manage', current.filter((m) => roles.includes(m.role)))) return forbidden('update')
    await deleteMemberships(tx, access.project.id, identityId, roles)
    await insertMemberships(tx, access.project.id, identityId, memberships, deps.clock.now())
    await announceIdentityChanged(deps, tx, identityId)
    return ok(null)
  })
}

/** Removes all of an identity's memberships in the project. */
export async function removeProjectMember(deps: Deps, access: ProjectAccess, identityId: string):
    Promise<Result<null, 'NOT_MEMBER' | 'FORBIDDEN'>> {
  // A caller without any rule to manage members learns nothing, not even who is one.
  if (!mayTouchMemberships(access, 'manage', [])) return forbidden('remove')
  if (!isUuid(identityId)) return notMember()
  return deps.db.transaction(async (tx) => {
    await lockIdentity(tx, identityId)
    const current = await currentMemberships(tx, access, identityId)
    if (current.length === 0) return notMember()
    if (!mayTouchMemberships(access, 'manage', current)) return forbidden('remove')
    await deleteMemberships(tx, access.project.id, identityId)
    await announceIdentityChanged(deps, tx, identityId)
    return ok(null)
  })
}
