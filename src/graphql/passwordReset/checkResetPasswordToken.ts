import * as model from '../../model/passwordReset/checkResetPasswordToken.js'
import type { Resolver } from '../context.js'
import { valueOf } from '../errors.js'

export const checkResetPasswordToken: Resolver<{ requestId: string; token: string }> = async (_, args, ctx) =>
  valueOf(await model.checkResetPasswordToken(ctx.deps, ctx.caller, args))
