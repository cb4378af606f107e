import * as model from '../../model/persons/changeMyProfile.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export const changeMyProfile: Resolver<{ email?: string | null; name?: string | null }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.changeMyProfile(ctx.deps, ctx.caller, args), { forbidden: ['FORBIDDEN'] }))
