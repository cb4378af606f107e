import * as manage from '../../model/idp/identityProviders.js'
import * as signIn from '../../model/idp/signInIdp.js'
import * as disconnect from '../../model/idp/disconnect.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed, valueOf } from '../errors.js'
import { toPayload } from '../payload.js'

const codes = { forbidden: ['FORBIDDEN'], input: ['INVALID_INPUT'] }

export const identityProviders: Resolver = async (_, __, ctx) => valueOf(await manage.identityProviders(ctx.deps, ctx.caller))

export const addIDP: Resolver<{ identityProvider: string; type: string; configuration: unknown; options?: manage.IdpOptionsInput | null }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await manage.addIdp(ctx.deps, ctx.caller, args), codes))

export const updateIDP: Resolver<{ identityProvider: string; type?: string | null; configuration?: unknown; options?: manage.IdpOptionsInput | null; mergeConfiguration?: boolean | null }> =
  async (_, args, ctx) => toPayload(raiseUnnamed(await manage.updateIdp(ctx.deps, ctx.caller, args), codes))

export const disableIDP: Resolver<{ identityProvider: string }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await manage.setIdpEnabled(ctx.deps, ctx.caller, args.identityProvider, false), codes))

export const enableIDP: Resolver<{ identityProvider: string }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await manage.setIdpEnabled(ctx.deps, ctx.caller, args.identityProvider, true), codes))

export const initSignInIDP: Resolver<{ identityProvider: string; data?: unknown; redirectUrl?: string | null }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await signIn.initSignInIdp(ctx.deps, ctx.caller, args), codes))

export const signInIDP: Resolver<signIn.SignInIdpArgs> = async (_, args, ctx) => {
  const result = raiseUnnamed(await signIn.signInIdp(ctx.deps, ctx.caller, args), codes)
  // The result describes the person who signed in, as they see themselves.
  if (result.ok) ctx.signedIn.add(result.value.person.identityId)
  return toPayload(result)
}

export const disconnectMyIdentityProvider: Resolver<{ id: string }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await disconnect.disconnectMyIdentityProvider(ctx.deps, ctx.caller, args.id), codes))
