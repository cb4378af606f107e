import { selectProjects, selectProjectSecretInfos, type ProjectRow } from '../../db/queries/projects.js'
import { selectMemberIdentityIds, selectMemberships, type MemberFilter } from '../../db/queries/memberships.js'
import { selectIdentitiesByIds } from '../../db/queries/identities.js'
import { selectProjectApiKeys } from '../../db/queries/apiKeys.js'
import { isUuid } from '../../model/persons/findPerson.js'
import { normaliseEmail } from '../../model/persons/email.js'
import { isProjectAdmin, mayViewProject, visibleMemberships } from '../../model/projects/projectAccess.js'
import type { VariableDefinition } from '../../model/acl/projectAcl.js'
import { ForbiddenError, UserInputError } from '../errors.js'
import type { Context, Resolver } from '../context.js'
import { accessBySlug, accessTo } from './access.js'

const seesAllProjects = (roles: readonly string[]) => roles.includes('super_admin') || roles.includes('project_admin')

export const projects: Resolver<Record<string, never>, unknown, ProjectRow[]> = (_, __, ctx) =>
  selectProjects(ctx.deps.db, seesAllProjects(ctx.principal.roles) ? null : ctx.principal.identityId)

export const projectBySlug: Resolver<{ slug: string }, unknown, ProjectRow | null> = async (_, args, ctx) => {
  const access = await accessBySlug(ctx, args.slug)
  return access && mayViewProject(access) ? access.project : null
}

export const projectMemberships: Resolver<{ projectSlug: string; identityId: string }> = async (_, args, ctx) => {
  const access = await accessBySlug(ctx, args.projectSlug)
  if (!access || !mayViewProject(access) || !isUuid(args.identityId)) return []
  const [group] = await selectMemberships(ctx.deps.db, { projectIds: [access.project.id], identityIds: [args.identityId] })
  return visibleMemberships(access, group?.memberships ?? [])
}

const variableTypes: Record<VariableDefinition['type'], string> = {
  entity: 'RoleEntityVariableDefinition',
  predefined: 'RolePredefinedVariableDefinition',
  condition: 'RoleConditionVariableDefinition',
}

type MembersArgs = { input?: { limit?: number | null; offset?: number | null; filter?: MemberFilter | null } | null; memberType?: 'API_KEY' | 'PERSON' | null }

export const Project = {
  async roles(project: ProjectRow, _: unknown, ctx: Context) {
    const { acl } = await accessTo(ctx, project)
    // The ACL's roles in their order, then the built-in ones.
    return Object.entries(acl.roles).map(([name, role]) => ({
      name,
      variables: Object.entries(role.variables).map(([variable, def]) => ({ name: variable, ...def, __typename: variableTypes[def.type] })),
    }))
  },

  /** Members the caller may view, each with only the memberships it may view. */
  async members(project: ProjectRow, args: MembersArgs, ctx: Context) {
    const access = await accessTo(ctx, project)
    if (!mayViewProject(access)) return []
    const limit = args.input?.limit ?? null
    const offset = args.input?.offset ?? 0
    if ((limit !== null && (limit < 0 || limit > 1000)) || offset < 0) throw new UserInputError('limit must be 0..1000 and offset not negative')
    if (args.memberType && args.input) throw new UserInputError('Cannot use both deprecated memberType parameter and new input parameter')
    const filter = { ...args.input?.filter, memberType: args.input?.filter?.memberType ?? args.memberType ?? null }
    if (filter.memberType === 'API_KEY' && filter.email) throw new UserInputError('Cannot use email filter for ApiKey member type.')
    if (filter.memberType === 'API_KEY' && filter.personId) throw new UserInputError('Cannot use personId filter for ApiKey member type.')
    // Ids that are not UUIDs match nobody (and must not reach PostgreSQL as such).
    const ids = (list?: readonly string[] | null) => list?.filter(isUuid) ?? null
    const identityIds = await selectMemberIdentityIds(ctx.deps.db, project.id, {
      ...filter, identityId: ids(filter.identityId), personId: ids(filter.personId), email: filter.email?.map(normaliseEmail) ?? null,
    })
    if (identityIds.length === 0) return []
    const groups = await selectMemberships(ctx.deps.db, { projectIds: [project.id], identityIds })
    const identities = new Map((await selectIdentitiesByIds(ctx.deps.db, identityIds)).map((i) => [i.id, i]))
    const members = groups
      .map((g) => ({ identity: identities.get(g.identityId)!, memberships: visibleMemberships(access, g.memberships) }))
      .filter((m) => m.memberships.length > 0)
    const order = new Map(identityIds.map((id, i) => [id, i]))
    members.sort((a, b) => order.get(a.identity.id)! - order.get(b.identity.id)!)
    return members.slice(offset, limit === null ? undefined : offset + limit)
  },

  async apiKeys(project: ProjectRow, _: unknown, ctx: Context) {
    if (!isProjectAdmin(await accessTo(ctx, project))) throw new ForbiddenError('You are not allowed to view API keys of this project')
    return selectProjectApiKeys(ctx.deps.db, project.id)
  },

  async secrets(project: ProjectRow, _: unknown, ctx: Context) {
    if (!isProjectAdmin(await accessTo(ctx, project))) throw new ForbiddenError('You are not allowed to view secrets of this project')
    return selectProjectSecretInfos(ctx.deps.db, project.id)
  },
}

export const RoleVariableDefinition = {
  resolveType: (value: { __typename: string }) => value.__typename,
}
