import * as model from '../../model/config/configure.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export const configure: Resolver<{ config: unknown }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.configure(ctx.deps, ctx.caller, args.config), { forbidden: ['FORBIDDEN'] }))
