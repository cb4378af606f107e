import * as model from '../../model/memberships/removeProjectMember.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export const removeProjectMember: Resolver<{ projectSlug: string; identityId: string }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.removeProjectMember(ctx.deps, ctx.caller, args), { forbidden: ['FORBIDDEN'] }))
