import * as request from '../../model/emailVerification/requestEmailVerification.js'
import * as verify from '../../model/emailVerification/verifyEmail.js'
import * as confirm from '../../model/emailVerification/confirmEmailChange.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export const requestEmailVerification: Resolver<{ email: string; options?: { mailProject?: string | null; mailVariant?: string | null } | null; captchaToken?: string | null }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await request.requestEmailVerification(ctx.deps, ctx.caller, { email: args.email, ...args.options, captchaToken: args.captchaToken }), { forbidden: ['FORBIDDEN'] }))

export const verifyEmail: Resolver<{ token: string }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await verify.verifyEmail(ctx.deps, ctx.caller, args), { forbidden: ['FORBIDDEN'] }))

export const confirmEmailChange: Resolver<{ token: string }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await confirm.confirmEmailChange(ctx.deps, ctx.caller, args), { forbidden: ['FORBIDDEN'] }))
