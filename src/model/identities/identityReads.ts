import type { Deps } from '../deps.js'
import { globalPermissions, type GlobalPermissions } from '../acl/globalPermissions.js'
import { ADMIN_ROLE, type Membership } from '../acl/projectAcl.js'
import { selectApiKeysOfIdentities, selectLiveSessions, type ApiKeyRow, type SessionRow } from '../../db/queries/apiKeys.js'
import { mayActOnIdentity } from '../acl/permissions.js'
import { selectIdentitiesByIds, type IdentityRow } from '../../db/queries/identities.js'
import { selectMemberships } from '../../db/queries/memberships.js'
import { selectPersonsByIds, type PersonRow } from '../../db/queries/persons.js'
import { selectLinksOfPersons } from '../../db/queries/identityProviders.js'
import { selectProjects, selectProjectsByIds, type ProjectRow } from '../../db/queries/projects.js'
import { administersAllProjects, visibleMemberships, type ProjectAccess } from '../projects/projectAccess.js'

// The reads behind the fields of Identity, Person and ApiKey, batched (the resolvers are
// Mercurius loaders: a list costs one query per field, not one per row), each deciding what the
// viewer may see.

/** Who is looking, as the identity reads need it. */
export interface Viewer {
  roles: readonly string[]
  /** Its own identity, or one its request signed in: seen as that identity sees itself. */
  seesAsSelf(identityId: string): boolean
  /** Its access to a project (computed once per request by the caller of these reads). */
  accessTo(project: ProjectRow): Promise<ProjectAccess>
}

const withPersonRole = (row: IdentityRow) =>
  row.personId !== null && !row.roles.includes('person') ? [...row.roles, 'person'] : row.roles

// Another identity's global roles are for admins to see (as in the reference, others get null).
const mayViewRoles = (viewer: Viewer, row: IdentityRow) => viewer.seesAsSelf(row.id) || administersAllProjects(viewer.roles)

/** Identity.roles: with `person` for an identity that has one; null to those who may not see them. */
export const identityRoles = (viewer: Viewer, row: IdentityRow): string[] | null => (mayViewRoles(viewer, row) ? withPersonRole(row) : null)

/** Identity.permissions: what its global roles allow; null to those who may not see its roles. */
export const identityPermissions = (viewer: Viewer, row: IdentityRow): GlobalPermissions | null =>
  (mayViewRoles(viewer, row) ? globalPermissions(withPersonRole(row)) : null)

const byId = <R extends { id: string }>(rows: R[], ids: readonly (string | null)[]) => {
  const map = new Map(rows.map((r) => [r.id, r]))
  return ids.map((id) => (id === null ? null : map.get(id) ?? null))
}

/** Identities by id, in the order asked (null where none). */
export async function identitiesByIds(deps: Deps, ids: readonly string[]): Promise<(IdentityRow | null)[]> {
  return byId(await selectIdentitiesByIds(deps.db, [...new Set(ids)]), ids)
}

/** Persons by id, in the order asked; null ids and unknown ones give null. */
export async function personsByIds(deps: Deps, ids: readonly (string | null)[]): Promise<(PersonRow | null)[]> {
  const wanted = ids.filter((id): id is string => id !== null)
  return byId(wanted.length ? await selectPersonsByIds(deps.db, wanted) : [], ids)
}

/** Identity.apiKey: the key of each application identity (persons have none here). */
export async function apiKeysOfIdentities(deps: Deps, identities: readonly IdentityRow[]): Promise<(ApiKeyRow | null)[]> {
  const ids = identities.filter((i) => i.personId === null).map((i) => i.id)
  const keys = new Map((ids.length ? await selectApiKeysOfIdentities(deps.db, ids) : []).map((k) => [k.identityId, k]))
  return identities.map((i) => keys.get(i.id) ?? null)
}

/**
 * Identity.projects: each identity's projects with the memberships the viewer may see (all of
 * its own). Super admins and global project admins administer every project: as in the
 * reference, they show every project with an `admin` membership, but to others only the projects
 * where the viewer's own rules let it see that membership.
 */
export async function projectsOfIdentities(deps: Deps, viewer: Viewer, identities: readonly IdentityRow[]):
    Promise<{ project: ProjectRow; memberships: Membership[] }[][]> {
  const everywhere = identities.some((i) => administersAllProjects(i.roles)) ? await selectProjects(deps.db, null) : []
  const groups = await selectMemberships(deps.db, { identityIds: identities.map((i) => i.id) })
  const projects = new Map((groups.length ? await selectProjectsByIds(deps.db, [...new Set(groups.map((g) => g.projectId))]) : []).map((p) => [p.id, p]))
  const seeAll = administersAllProjects(viewer.roles)
  return Promise.all(identities.map(async (identity) => {
    const own = viewer.seesAsSelf(identity.id)
    const held = administersAllProjects(identity.roles)
      ? everywhere.map((project) => ({ project, memberships: [{ role: ADMIN_ROLE, variables: [] }] as Membership[] }))
      : groups.filter((g) => g.identityId === identity.id).map((g) => ({ project: projects.get(g.projectId)!, memberships: g.memberships }))
    const relations = []
    for (const { project, memberships } of held) {
      const visible = own || seeAll ? memberships : visibleMemberships(await viewer.accessTo(project), memberships)
      if (visible.length > 0) relations.push({ project, memberships: visible })
    }
    return relations.sort((a, b) => a.project.slug.localeCompare(b.project.slug))
  }))
}

/**
 * Identity.sessions: the live sessions of each identity, for the identity itself and for those
 * who may act on it (super admins; project admins on identities holding no global role they
 * could not grant); an empty list for anyone else.
 */
export async function sessionsOfIdentities(deps: Deps, viewer: Viewer, rows: readonly IdentityRow[]): Promise<SessionRow[][]> {
  const visible = rows.filter((row) => viewer.seesAsSelf(row.id) || mayActOnIdentity(viewer.roles, row.roles))
  const sessions = visible.length ? await selectLiveSessions(deps.db, visible.map((row) => row.id), deps.clock.now()) : []
  return rows.map((row) => sessions.filter((s) => s.identityId === row.id))
}

/**
 * Person.identityProviders: the providers each person is connected to, for the person themself
 * and for those who may act on them; others see an empty list.
 */
export async function identityProvidersOfPersons(deps: Deps, viewer: Viewer, persons: readonly PersonRow[]) {
  const identities = await selectIdentitiesByIds(deps.db, persons.filter((p) => !viewer.seesAsSelf(p.identityId)).map((p) => p.identityId))
  const visible = persons.filter((p) => viewer.seesAsSelf(p.identityId) || mayActOnIdentity(viewer.roles, identities.find((i) => i.id === p.identityId)?.roles ?? ['super_admin']))
  const links = visible.length ? await selectLinksOfPersons(deps.db, visible.map((p) => p.id)) : []
  return persons.map((p) => links.filter((l) => l.personId === p.id).map((l) => ({
    id: l.id, createdAt: l.createdAt, externalIdentifier: l.externalIdentifier, identityProvider: { slug: l.slug, type: l.type, disabledAt: l.disabledAt },
  })))
}
