import { globalPermissions } from '../../model/acl/globalPermissions.js'
import { selectIdentitiesByIds, type IdentityRow } from '../../db/queries/identities.js'
import { selectPersonsByIds, type PersonRow } from '../../db/queries/persons.js'
import { seesAsSelf, type Context } from '../context.js'
import { selectApiKeysOfIdentities } from '../../db/queries/apiKeys.js'
import { selectMemberships } from '../../db/queries/memberships.js'
import { selectProjects, selectProjectsByIds } from '../../db/queries/projects.js'
import { administersAllProjects, visibleMemberships } from '../../model/projects/projectAccess.js'
import { ADMIN_ROLE, type Membership } from '../../model/acl/projectAcl.js'
import { accessTo } from '../projects/access.js'

// Resolvers that produce an Identity or a Person hand over the whole row; the nested links
// (Identity.person, Person.identity) are Mercurius loaders, so a list costs one query per
// field, not one per row.

const withPersonRole = (row: IdentityRow) =>
  row.personId !== null && !row.roles.includes('person') ? [...row.roles, 'person'] : row.roles

// Another identity's global roles are for admins to see (as in the reference, others get null).
const mayViewRoles = (row: IdentityRow, ctx: Context) =>
  seesAsSelf(ctx, row.id) || administersAllProjects(ctx.principal.roles)

export const Identity = {
  roles: (row: IdentityRow, _: unknown, ctx: Context) => (mayViewRoles(row, ctx) ? withPersonRole(row) : null),
  permissions: (row: IdentityRow, _: unknown, ctx: Context) => (mayViewRoles(row, ctx) ? globalPermissions(withPersonRole(row)) : null),
}

type Batch<Parent> = { obj: Parent }[]

const byId = <R extends { id: string }>(rows: R[], ids: readonly (string | null)[]) => {
  const map = new Map(rows.map((r) => [r.id, r]))
  return ids.map((id) => (id === null ? null : map.get(id) ?? null))
}

const identitiesOf = async (batch: Batch<{ identityId: string }>, ctx: Context) => {
  const ids = batch.map(({ obj }) => obj.identityId)
  return byId(await selectIdentitiesByIds(ctx.deps.db, [...new Set(ids)]), ids)
}

export const identityLoaders = {
  Identity: {
    async person(batch: Batch<IdentityRow>, ctx: Context) {
      const ids = batch.map(({ obj }) => obj.personId)
      const wanted = ids.filter((id): id is string => id !== null)
      return byId(wanted.length ? await selectPersonsByIds(ctx.deps.db, wanted) : [], ids)
    },
    async apiKey(batch: Batch<IdentityRow>, ctx: Context) {
      const ids = batch.filter(({ obj }) => obj.personId === null).map(({ obj }) => obj.id)
      const keys = new Map((ids.length ? await selectApiKeysOfIdentities(ctx.deps.db, ids) : []).map((k) => [k.identityId, k]))
      return batch.map(({ obj }) => keys.get(obj.id) ?? null)
    },
    /**
     * Projects of each identity with the memberships the caller may see (all of its own).
     * Super admins and global project admins administer every project: as in the reference,
     * they show every project with an `admin` membership, but to others only the projects
     * where the caller's own rules let it see that membership.
     */
    async projects(batch: Batch<IdentityRow>, ctx: Context) {
      const everywhere = batch.some(({ obj }) => administersAllProjects(obj.roles)) ? await selectProjects(ctx.deps.db, null) : []
      const groups = await selectMemberships(ctx.deps.db, { identityIds: batch.map(({ obj }) => obj.id) })
      const projects = new Map((groups.length ? await selectProjectsByIds(ctx.deps.db, [...new Set(groups.map((g) => g.projectId))]) : []).map((p) => [p.id, p]))
      const seeAll = administersAllProjects(ctx.principal.roles)
      return Promise.all(batch.map(async ({ obj }) => {
        const own = seesAsSelf(ctx, obj.id)
        const held = administersAllProjects(obj.roles)
          ? everywhere.map((project) => ({ project, memberships: [{ role: ADMIN_ROLE, variables: [] }] as Membership[] }))
          : groups.filter((g) => g.identityId === obj.id).map((g) => ({ project: projects.get(g.projectId)!, memberships: g.memberships }))
        const relations = []
        for (const { project, memberships } of held) {
          const visible = own || seeAll ? memberships : visibleMemberships(await accessTo(ctx, project), memberships)
          if (visible.length > 0) relations.push({ project, memberships: visible })
        }
        return relations.sort((a, b) => a.project.slug.localeCompare(b.project.slug))
      }))
    },
  },
  ApiKey: { identity: identitiesOf },
  ApiKeyWithToken: { identity: identitiesOf },
  Person: {
    async identity(batch: Batch<PersonRow>, ctx: Context) {
      const ids = batch.map(({ obj }) => obj.identityId)
      return byId(await selectIdentitiesByIds(ctx.deps.db, ids), ids)
    },
  },
}
