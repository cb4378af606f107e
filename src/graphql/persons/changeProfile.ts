import * as model from '../../model/persons/changeProfile.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export const changeProfile: Resolver<{ personId: string; email?: string | null; name?: string | null }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.changeProfile(ctx.deps, ctx.caller, args), { forbidden: ['FORBIDDEN'] }))
