import * as model from '../../model/projects/setProjectSecret.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export const setProjectSecret: Resolver<{ projectSlug: string; key: string; value: string }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.setProjectSecret(ctx.deps, ctx.caller, args.projectSlug, args.key, args.value), { input: ['INVALID_INPUT'], forbidden: ['FORBIDDEN'] }))
