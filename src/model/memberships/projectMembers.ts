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
import { mayTouchMemberships, visibleMemberships, type ProjectAccess } from '../projects/projectAccess.js'

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

/**
 * The login token is public (admin screens ship it to browsers): a project role of its identity
 * would be everybody's. Its memberships follow the environment (none).
 */
const isBootstrap = (deps: Deps, identityId: string) => identityId === deps.bootstrapIdentities.login

/** A member the caller may not see any membership of is, for the caller, no member at all. */
const hidden = (access: ProjectAccess, current: readonly Membership[]) => visibleMemberships(access, current).length === 0

const alreadyMember = () => fail('ALREADY_MEMBER', 'This identity is already a project member. Use updateProjectMember mutation to change memberships.')
const notMember = () => fail('NOT_MEMBER', 'Not a project member')

export async function addProjectMember(deps: Deps, access: ProjectAccess, identityId: string, given: readonly Membership[]):
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
  if (!mayTouchMemberships(access, 'manage', memberships) || isBootstrap(deps, identityId)) return forbidden('update')
  const problems = validateMemberships(access.acl, memberships)
  if (problems.length > 0) return invalidMembership(problems)
  if (!isUuid(identityId)) return notMember()
  return deps.db.transaction(async (tx) => {
    await lockIdentity(tx, identityId)
    const current = await currentMemberships(tx, access, identityId)
    if (current.length === 0 || hidden(access, current)) return notMember()
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
  if (!mayTouchMemberships(access, 'manage', []) || isBootstrap(deps, identityId)) return forbidden('remove')
  if (!isUuid(identityId)) return notMember()
  return deps.db.transaction(async (tx) => {
    await lockIdentity(tx, identityId)
    const current = await currentMemberships(tx, access, identityId)
    if (current.length === 0 || hidden(access, current)) return notMember()
    if (!mayTouchMemberships(access, 'manage', current)) return forbidden('remove')
    await deleteMemberships(tx, access.project.id, identityId)
    await announceIdentityChanged(deps, tx, identityId)
    return ok(null)
  })
}
