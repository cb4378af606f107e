import * as model from '../../model/otp/prepareOtp.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export const prepareOtp: Resolver<{ label?: string | null; password?: string | null; otpToken?: string | null }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.prepareOtp(ctx.deps, ctx.caller, args), { forbidden: ['FORBIDDEN'] }))
