import * as model from '../../model/otp/confirmOtp.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export const confirmOtp: Resolver<{ otpToken: string }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.confirmOtp(ctx.deps, ctx.caller, args.otpToken), { forbidden: ['FORBIDDEN'] }))
