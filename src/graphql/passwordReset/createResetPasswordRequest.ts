import * as model from '../../model/passwordReset/createResetPasswordRequest.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export const createResetPasswordRequest: Resolver<{ email: string; options?: { mailProject?: string | null; mailVariant?: string | null } | null; captchaToken?: string | null }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.createResetPasswordRequest(ctx.deps, ctx.caller, { email: args.email, ...args.options, captchaToken: args.captchaToken }), { forbidden: ['FORBIDDEN'] }))
