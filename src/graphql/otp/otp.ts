import { prepareOtp as prepare } from '../../model/otp/prepareOtp.js'
import { confirmOtp as confirm } from '../../model/otp/confirmOtp.js'
import { disableOtp as disable } from '../../model/otp/disableOtp.js'
import type { Resolver } from '../context.js'
import { forbidden } from '../context.js'
import { toPayload } from '../payload.js'
import { myPerson } from '../persons/manage.js'

// TOTP set-up belongs to the caller's own person; there is no error code for "not a person"
// in these payloads, so an identity without one is refused like any other forbidden call.
async function me(ctx: Parameters<Resolver>[2]) {
  const person = await myPerson(ctx, 'manageMyOtp', '')
  if (!person.ok) throw forbidden('manageMyOtp')
  return person.value
}

export const prepareOtp: Resolver<{ label?: string | null }> = async (_, args, ctx) =>
  toPayload(await prepare(ctx.deps, await me(ctx), args.label))

export const confirmOtp: Resolver<{ otpToken: string }> = async (_, args, ctx) =>
  toPayload(await confirm(ctx.deps, await me(ctx), args.otpToken))

export const disableOtp: Resolver = async (_, __, ctx) =>
  toPayload(await disable(ctx.deps, await me(ctx)))
