import * as model from '../../model/passwordReset/resetPassword.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export const resetPassword: Resolver<{ token: string; password: string }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.resetPassword(ctx.deps, ctx.caller, args), { forbidden: ['FORBIDDEN'] }))
