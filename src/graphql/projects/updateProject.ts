import * as model from '../../model/projects/updateProject.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

type Args = { projectSlug: string; name?: string | null; config?: unknown; mergeConfig?: boolean | null }

// A config the ACL rules refuse is bad input: the schema has no payload code for it.
export const updateProject: Resolver<Args> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.updateProject(ctx.deps, ctx.caller, args.projectSlug, args), { input: ['INVALID_CONFIG'], forbidden: ['FORBIDDEN'] }))
