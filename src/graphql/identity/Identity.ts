import * as model from '../../model/identities/identityReads.js'
import type { IdentityRow } from '../../model/rows.js'
import type { PersonRow } from '../../model/rows.js'
import { seesAsSelf, type Context } from '../context.js'
import { accessTo } from '../projects/access.js'

// Resolvers that produce an Identity or a Person hand over the whole row; the nested links
// (Identity.person, Person.identity, ...) are Mercurius loaders over the model's batched reads.

const viewer = (ctx: Context): model.Viewer => ({
  roles: ctx.principal.roles,
  seesAsSelf: (identityId) => seesAsSelf(ctx, identityId),
  accessTo: (project) => accessTo(ctx, project),
})

export const Identity = {
  roles: (row: IdentityRow, _: unknown, ctx: Context) => model.identityRoles(viewer(ctx), row),
  permissions: (row: IdentityRow, _: unknown, ctx: Context) => model.identityPermissions(viewer(ctx), row),
}

type Batch<Parent> = { obj: Parent }[]

const identitiesOf = (batch: Batch<{ identityId: string }>, ctx: Context) => model.identitiesByIds(ctx.deps, batch.map(({ obj }) => obj.identityId))

export const identityLoaders = {
  Identity: {
    person: (batch: Batch<IdentityRow>, ctx: Context) => model.personsByIds(ctx.deps, batch.map(({ obj }) => obj.personId)),
    apiKey: (batch: Batch<IdentityRow>, ctx: Context) => model.apiKeysOfIdentities(ctx.deps, batch.map(({ obj }) => obj)),
    projects: (batch: Batch<IdentityRow>, ctx: Context) => model.projectsOfIdentities(ctx.deps, viewer(ctx), batch.map(({ obj }) => obj)),
    sessions: async (batch: Batch<IdentityRow>, ctx: Context) => (await model.sessionsOfIdentities(ctx.deps, viewer(ctx), batch.map(({ obj }) => obj)))
      .map((sessions) => sessions.map((s) => ({ ...s, isCurrent: s.id === ctx.principal.apiKeyId }))),
  },
  ApiKey: { identity: identitiesOf },
  ApiKeyWithToken: { identity: identitiesOf },
  Person: {
    identity: identitiesOf,
    identityProviders: (batch: Batch<PersonRow>, ctx: Context) => model.identityProvidersOfPersons(ctx.deps, viewer(ctx), batch.map(({ obj }) => obj)),
  },
}
