import * as model from '../../model/memberships/invite.js'
import type { Membership } from '../../model/rows.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export interface InviteArgs {
  email: string
  name?: string | null
  projectSlug: string
  memberships: Membership[]
}

export const invite: Resolver<InviteArgs & { options?: model.InviteOptions | null }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.invite(ctx.deps, ctx.caller, args, args.options ?? {}), { forbidden: ['FORBIDDEN'], input: ['INVALID_INPUT'] }))

export const unmanagedInvite: Resolver<InviteArgs & { options?: model.UnmanagedInviteOptions | null; password?: string | null }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.unmanagedInvite(ctx.deps, ctx.caller, args, {
    ...args.options,
    // The deprecated argument, when the options do not say.
    password: args.options?.password ?? args.password ?? null,
  }), { forbidden: ['FORBIDDEN'], input: ['INVALID_INPUT'] }))
