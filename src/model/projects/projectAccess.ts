import type { Deps } from '../deps.js'
import type { Caller } from '../auth/authenticate.js'
import { selectMemberships } from '../../db/queries/memberships.js'
import { selectProjectBySlug, type ProjectRow } from '../../db/queries/projects.js'
import { ADMIN_ROLE, hasTenantRule, mayTouchMembership, parseProjectAcl, type Membership, type ProjectAcl, type TenantAction } from '../acl/projectAcl.js'

/**
 * A project as one caller sees it: its roles and the caller's own memberships in it. The
 * rules of the reference (README, "Who may do what") in one place: super admins and global project admins administer every
 * project; a membership with role `admin` administers that project; any membership may view
 * it; the roles' ACL `tenant` rules let members manage or view other memberships.
 */
export interface ProjectAccess {
  project: ProjectRow
  acl: ProjectAcl
  callerRoles: readonly string[]
  callerMemberships: readonly Membership[]
}

/** The reference's words, which also cover "exists, but not for you". */
export const projectNotFound = (slug: string) => `Project ${slug} was not found or you are not allowed to access it.`

/** Super admins and global project admins, who administer every project. */
export const administersAllProjects = (roles: readonly string[]) => roles.includes('super_admin') || roles.includes('project_admin')

export async function loadProjectAccess(deps: Deps, caller: Caller, slug: string): Promise<ProjectAccess | null> {
  const project = await selectProjectBySlug(deps.db, slug)
  if (!project) return null
  return projectAccessFor(deps, caller, project)
}

export async function projectAccessFor(deps: Deps, caller: Caller, project: ProjectRow): Promise<ProjectAccess> {
  const [own] = await selectMemberships(deps.db, { projectIds: [project.id], identityIds: [caller.identityId] })
  const parsed = parseProjectAcl(project.config)
  // A stored config was valid when written; if the rules changed since, the project still has admin.
  const acl = parsed.ok ? parsed.acl : { roles: { [ADMIN_ROLE]: { variables: {}, tenant: {} } } }
  return { project, acl, callerRoles: caller.roles, callerMemberships: own?.memberships ?? [] }
}

export type ProjectDecision = 'ok' | 'FORBIDDEN' | 'PROJECT_NOT_FOUND'

/**
 * For operations only a project's admins may do (createApiKey): allowed to its admins; a project
 * the caller does not administer, or that does not exist, is PROJECT_NOT_FOUND for those who
 * administer every project and FORBIDDEN for others (as the reference), so nobody learns which
 * slugs exist without the right to.
 */
export function projectAdminDecision(callerRoles: readonly string[], access: ProjectAccess | null): ProjectDecision {
  if (access && isProjectAdmin(access)) return 'ok'
  return administersAllProjects(callerRoles) ? 'PROJECT_NOT_FOUND' : 'FORBIDDEN'
}

/** For operations on a project's members: allowed to those who may see the project, refused as above. */
export function projectViewDecision(callerRoles: readonly string[], access: ProjectAccess | null): ProjectDecision {
  if (access && mayViewProject(access)) return 'ok'
  return administersAllProjects(callerRoles) ? 'PROJECT_NOT_FOUND' : 'FORBIDDEN'
}

export function isProjectAdmin(access: ProjectAccess): boolean {
  return administersAllProjects(access.callerRoles) || access.callerMemberships.some((m) => m.role === ADMIN_ROLE)
}

export function mayViewProject(access: ProjectAccess): boolean {
  return isProjectAdmin(access) || access.callerMemberships.length > 0
}

/** May the caller do `action` to every one of `targets` (memberships of someone in this project)? */
export function mayTouchMemberships(access: ProjectAccess, action: TenantAction, targets: readonly Membership[]): boolean {
  if (isProjectAdmin(access)) return true
  // Without any rule for the action the caller is refused outright, also for an empty list
  // (which every() would let through, telling it who is a member).
  if (!hasTenantRule(access.acl, access.callerMemberships, action)) return false
  return targets.every((target) => mayTouchMembership(access.acl, access.callerMemberships, action, target))
}

/** The memberships of `targets` the caller may see. */
export function visibleMemberships(access: ProjectAccess, targets: readonly Membership[]): Membership[] {
  if (isProjectAdmin(access)) return [...targets]
  return targets.filter((target) => mayTouchMembership(access.acl, access.callerMemberships, 'view', target))
}
