import * as model from '../../model/projects/projectFields.js'
import type { ProjectRow } from '../../model/rows.js'
import type { Context } from '../context.js'
import { valueOf } from '../errors.js'
import { accessTo } from './access.js'

/** Field resolvers of Project: each asks the model with the caller's access to the project. */
export const Project = {
  roles: async (project: ProjectRow, _: unknown, ctx: Context) => model.projectRoles(await accessTo(ctx, project)),
  members: async (project: ProjectRow, args: model.MembersArgs, ctx: Context) =>
    valueOf(await model.projectMembers(ctx.deps, await accessTo(ctx, project), args)),
  apiKeys: async (project: ProjectRow, _: unknown, ctx: Context) => valueOf(await model.projectApiKeys(ctx.deps, await accessTo(ctx, project))),
  secrets: async (project: ProjectRow, _: unknown, ctx: Context) => valueOf(await model.projectSecrets(ctx.deps, await accessTo(ctx, project))),
}

export const RoleVariableDefinition = {
  resolveType: (value: { __typename: string }) => value.__typename,
}
