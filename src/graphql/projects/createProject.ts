import * as model from '../../model/projects/createProject.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export const createProject: Resolver<model.CreateProjectArgs> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.createProjectAs(ctx.deps, ctx.caller, args),
    { input: ['TOKEN_HASH_IN_USE', 'INVALID_TOKEN_HASH', 'INVALID_INPUT'], forbidden: ['FORBIDDEN'] }))
