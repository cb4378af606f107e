import * as init from '../../model/passwordless/initSignInPasswordless.js'
import * as signIn from '../../model/passwordless/signInPasswordless.js'
import * as activate from '../../model/passwordless/activatePasswordlessOtp.js'
import * as toggle from '../../model/passwordless/toggleMyPasswordless.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export const initSignInPasswordless: Resolver<{ email: string; options?: { mailProject?: string | null; mailVariant?: string | null } | null; captchaToken?: string | null }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await init.initSignInPasswordless(ctx.deps, ctx.caller, { email: args.email, ...args.options, captchaToken: args.captchaToken }), { forbidden: ['FORBIDDEN'] }))

export const signInPasswordless: Resolver<signIn.SignInPasswordlessInput> = async (_, args, ctx) => {
  const result = raiseUnnamed(await signIn.signInPasswordless(ctx.deps, ctx.caller, args), { forbidden: ['FORBIDDEN'] })
  // The result describes the person who signed in, as they see themselves.
  if (result.ok) ctx.signedIn.add(result.value.person.identityId)
  return toPayload(result)
}

export const activatePasswordlessOtp: Resolver<{ requestId: string; token: string; otpHash: string }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await activate.activatePasswordlessOtp(ctx.deps, ctx.caller, args), { forbidden: ['FORBIDDEN'], input: ['INVALID_INPUT'] }))

export const enableMyPasswordless: Resolver = async (_, __, ctx) =>
  toPayload(raiseUnnamed(await toggle.toggleMyPasswordless(ctx.deps, ctx.caller, true), { forbidden: ['FORBIDDEN'] }))

export const disableMyPasswordless: Resolver = async (_, __, ctx) =>
  toPayload(raiseUnnamed(await toggle.toggleMyPasswordless(ctx.deps, ctx.caller, false), { forbidden: ['FORBIDDEN'] }))
