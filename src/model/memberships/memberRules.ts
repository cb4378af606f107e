import type { Queryable } from '../../db/db.js'
import type { Deps } from '../deps.js'
import type { Caller } from '../auth/authenticate.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { selectPersonCredentials } from '../../db/queries/persons.js'
import { fail, ok, type Result } from '../result.js'
import { selectMemberships } from '../../db/queries/memberships.js'
import type { Membership } from '../acl/projectAcl.js'
import { loadProjectAccess, projectNotFound, projectViewDecision, visibleMemberships, type ProjectAccess } from '../projects/projectAccess.js'

// What addProjectMember, updateProjectMember and removeProjectMember share. Each locks the
// identity first, so concurrent changes to one member queue instead of racing past the "already
// a member" check. FORBIDDEN is not a schema code: the resolvers turn it into a ForbiddenError.

export type MemberOperation = 'add' | 'update' | 'remove'

export const forbidden = (what: MemberOperation) => fail('FORBIDDEN', {
  add: 'You are not allowed to add a project member',
  update: 'You are not allowed to update project member variables',
  remove: 'You are not allowed to remove a project member',
}[what])

export async function currentMemberships(tx: Queryable, access: ProjectAccess, identityId: string) {
  const [group] = await selectMemberships(tx, { projectIds: [access.project.id], identityIds: [identityId] })
  return group?.memberships ?? []
}

/**
 * The login token is public (admin screens ship it to browsers): a project role of its identity
 * would be everybody's. Its memberships follow the environment (none).
 */
export const isBootstrap = (deps: Deps, identityId: string) => identityId === deps.bootstrapIdentities.login

/** A member the caller may not see any membership of is, for the caller, no member at all. */
export const hidden = (access: ProjectAccess, current: readonly Membership[]) => visibleMemberships(access, current).length === 0

export const alreadyMember = () => fail('ALREADY_MEMBER', 'This identity is already a project member. Use updateProjectMember mutation to change memberships.')
export const notMember = () => fail('NOT_MEMBER', 'Not a project member')


/**
 * The project as the caller sees it. One it may not see, or that does not exist, is FORBIDDEN
 * for ordinary callers and PROJECT_NOT_FOUND for those who administer every project (as the
 * reference), so nobody learns which slugs exist without the right to.
 */
export async function projectForMembers(deps: Deps, caller: Caller, slug: string, what: MemberOperation):
    Promise<Result<ProjectAccess, 'PROJECT_NOT_FOUND' | 'FORBIDDEN'>> {
  const access = await loadProjectAccess(deps, caller, slug)
  const decision = projectViewDecision(caller.roles, access)
  if (decision === 'ok' && access) return ok(access)
  return decision === 'PROJECT_NOT_FOUND' ? fail('PROJECT_NOT_FOUND', projectNotFound(slug)) : forbidden(what)
}

/** The auth log entry of a membership change: the member's person, and the memberships before and after. */
export async function recordMembershipChange(deps: Deps, tx: Queryable, caller: Caller, type: 'project_membership_create' | 'project_membership_update' | 'project_membership_remove',
    access: ProjectAccess, identityId: string, before: readonly Membership[], after: readonly Membership[]): Promise<void> {
  const person = await selectPersonCredentials(tx, { identityId })
  await recordAuthEvent(deps, tx, caller, {
    type, success: true, targetPersonId: person?.id ?? null,
    eventData: { projectId: access.project.id, projectSlug: access.project.slug, identityId, before, after },
  })
}
