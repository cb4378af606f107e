import type { Queryable } from '../../db/db.js'
import type { Deps } from '../deps.js'
import { fail, ok, type Result } from '../result.js'
import { isUniqueViolation } from '../../db/errors.js'
import { lockIdentity } from '../../db/queries/identities.js'
import { deleteMemberships, insertMemberships, selectMemberships } from '../../db/queries/memberships.js'
import { validateMemberships, type Membership } from '../acl/projectAcl.js'
import { invalidMembership } from '../api-keys/createApiKey.js'
import { isUuid } from '../persons/findPerson.js'
import { mayTouchMemberships, type ProjectAccess } from '../projects/projectAccess.js'

// addProjectMember, updateProjectMember and removeProjectMember. Each locks the identity first,
// so concurrent changes to one member queue instead of racing past the "already a member"
// check. FORBIDDEN is not a schema code: the resolver turns it into a ForbiddenError.

const forbidden = () => fail('FORBIDDEN', 'You are not allowed to manage these memberships')

async function currentMemberships(tx: Queryable, access: ProjectAccess, identityId: string) {
  const [group] = await selectMemberships(tx, { projectIds: [access.project.id], identityIds: [identityId] })
  return group?.memberships ?? []
}

export async function addProjectMember(deps: Deps, access: ProjectAccess, identityId: string, memberships: readonly Membership[]):
    Promise<Result<null, 'IDENTITY_NOT_FOUND' | 'ALREADY_MEMBER' | 'INVALID_MEMBERSHIP' | 'FORBIDDEN'>> {
  if (!mayTouchMemberships(access, 'manage', memberships)) return forbidden()
  const problems = validateMemberships(access.acl, memberships)
  if (problems.length > 0) return invalidMembership(problems)
  if (!isUuid(identityId)) return fail('IDENTITY_NOT_FOUND', `Identity ${identityId} not found`)
  return deps.db.transaction(async (tx) => {
    if (!await lockIdentity(tx, identityId)) return fail('IDENTITY_NOT_FOUND', `Identity ${identityId} not found`)
    if ((await currentMemberships(tx, access, identityId)).length > 0) {
      return fail('ALREADY_MEMBER', `Identity ${identityId} is already a member of ${access.project.slug}`)
    }
    try {
      await insertMemberships(tx, access.project.id, identityId, memberships, deps.clock.now())
    } catch (error) {
      if (isUniqueViolation(error, 'project_membership_unique')) return fail('ALREADY_MEMBER', `Identity ${identityId} is already a member of ${access.project.slug}`)
      throw error
    }
    return ok(null)
  })
}

/** Replaces the memberships of the roles it names; the member's other roles stay. */
export async function updateProjectMember(deps: Deps, access: ProjectAccess, identityId: string, memberships: readonly Membership[]):
    Promise<Result<null, 'NOT_MEMBER' | 'INVALID_MEMBERSHIP' | 'FORBIDDEN'>> {
  if (!mayTouchMemberships(access, 'manage', memberships)) return forbidden()
  const problems = validateMemberships(access.acl, memberships)
  if (problems.length > 0) return invalidMembership(problems)
  if (!isUuid(identityId)) return fail('NOT_MEMBER', `Identity ${identityId} is not a member of ${access.project.slug}`)
  return deps.db.transaction(async (tx) => {
    await lockIdentity(tx, identityId)
    const current = await currentMemberships(tx, access, identityId)
    if (current.length === 0) return fail('NOT_MEMBER', `Identity ${identityId} is not a member of ${access.project.slug}`)
    const roles = memberships.map((m) => m.role)
    if (!mayTouchMemberships(access, 'manage', current.filter((m) => roles.includes(m.role)))) return forbidden()
    await deleteMemberships(tx, access.project.id, identityId, roles)
    await insertMemberships(tx, access.project.id, identityId, memberships, deps.clock.now())
    return ok(null)
  })
}

/** Removes all of an identity's memberships in the project. */
export async function removeProjectMember(deps: Deps, access: ProjectAccess, identityId: string):
    Promise<Result<null, 'NOT_MEMBER' | 'FORBIDDEN'>> {
  if (!isUuid(identityId)) return fail('NOT_MEMBER', `Identity ${identityId} is not a member of ${access.project.slug}`)
  return deps.db.transaction(async (tx) => {
    await lockIdentity(tx, identityId)
    const current = await currentMemberships(tx, access, identityId)
    if (current.length === 0) return fail('NOT_MEMBER', `Identity ${identityId} is not a member of ${access.project.slug}`)
    if (!mayTouchMemberships(access, 'manage', current)) return forbidden()
    await deleteMemberships(tx, access.project.id, identityId)
    return ok(null)
  })
}
