import * as model from '../../model/projects/projectMemberships.js'
import type { Resolver } from '../context.js'
import { accessBySlug } from './access.js'

export const projectMemberships: Resolver<{ projectSlug: string; identityId: string }> = async (_, args, ctx) =>
  model.projectMemberships(ctx.deps, await accessBySlug(ctx, args.projectSlug), args.identityId)
