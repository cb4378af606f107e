import * as model from '../../model/otp/disableOtp.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export const disableOtp: Resolver<{ password?: string | null; otpToken?: string | null }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.disableOtp(ctx.deps, ctx.caller, args), { forbidden: ['FORBIDDEN'] }))
