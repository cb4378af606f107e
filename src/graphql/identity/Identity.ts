import { globalPermissions } from '../../model/acl/globalPermissions.js'
import { selectIdentitiesByIds, type IdentityRow } from '../../db/queries/identities.js'
import { selectPersonsByIds, type PersonRow } from '../../db/queries/persons.js'
import type { Context } from '../context.js'

// Resolvers that produce an Identity or a Person hand over the whole row; the nested links
// (Identity.person, Person.identity) are Mercurius loaders, so a list costs one query per
// field, not one per row.

const withPersonRole = (row: IdentityRow) =>
  row.personId !== null && !row.roles.includes('person') ? [...row.roles, 'person'] : row.roles

export const Identity = {
  roles: (row: IdentityRow) => withPersonRole(row),
  permissions: (row: IdentityRow) => globalPermissions(withPersonRole(row)),
}

type Batch<Parent> = { obj: Parent }[]

const byId = <R extends { id: string }>(rows: R[], ids: readonly (string | null)[]) => {
  const map = new Map(rows.map((r) => [r.id, r]))
  return ids.map((id) => (id === null ? null : map.get(id) ?? null))
}

export const identityLoaders = {
  Identity: {
    async person(batch: Batch<IdentityRow>, ctx: Context) {
      const ids = batch.map(({ obj }) => obj.personId)
      const wanted = ids.filter((id): id is string => id !== null)
      return byId(wanted.length ? await selectPersonsByIds(ctx.deps.db, wanted) : [], ids)
    },
  },
  Person: {
    async identity(batch: Batch<PersonRow>, ctx: Context) {
      const ids = batch.map(({ obj }) => obj.identityId)
      return byId(await selectIdentitiesByIds(ctx.deps.db, ids), ids)
    },
  },
}
