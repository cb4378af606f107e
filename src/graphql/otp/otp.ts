import { prepareOtp as prepare } from '../../model/otp/prepareOtp.js'
import { confirmOtp as confirm } from '../../model/otp/confirmOtp.js'
import { disableOtp as disable } from '../../model/otp/disableOtp.js'
import { confirmPresence, type Proof } from '../../model/otp/confirmPresence.js'
import type { Context, Resolver } from '../context.js'
import { forbidden } from '../context.js'
import { ForbiddenError } from '../errors.js'
import { toPayload } from '../payload.js'
import { myPerson } from '../persons/manage.js'

// TOTP set-up belongs to the caller's own person; there is no error code for "not a person"
// in these payloads, so an identity without one is refused like any other forbidden call.
async function me(ctx: Context) {
  const person = await myPerson(ctx, 'manageMyOtp', '')
  if (!person.ok) throw forbidden('manageMyOtp')
  return person.value
}

/** The caller's person, once it has proven it is them when an active setup is at stake. */
async function present(ctx: Context, proof: Proof) {
  const person = await me(ctx)
  const confirmed = await confirmPresence(ctx.deps, person, ctx.principal, proof)
  if (!confirmed.ok) throw new ForbiddenError(confirmed.message)
  return person
}

export const prepareOtp: Resolver<{ label?: string | null } & Proof> = async (_, args, ctx) =>
  toPayload(await prepare(ctx.deps, await present(ctx, args), args.label))

export const confirmOtp: Resolver<{ otpToken: string }> = async (_, args, ctx) =>
  toPayload(await confirm(ctx.deps, await me(ctx), args.otpToken))

export const disableOtp: Resolver<Proof> = async (_, args, ctx) =>
  toPayload(await disable(ctx.deps, await present(ctx, args)))
