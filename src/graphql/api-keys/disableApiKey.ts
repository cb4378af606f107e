import * as model from '../../model/api-keys/disableApiKey.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export const disableApiKey: Resolver<{ id: string }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.disableApiKey(ctx.deps, ctx.caller, args.id), { forbidden: ['FORBIDDEN'] }))
