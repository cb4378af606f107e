import * as model from '../../model/authPolicies/authPolicies.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed, valueOf } from '../errors.js'
import { toPayload } from '../payload.js'

const codes = { forbidden: ['FORBIDDEN'], input: ['INVALID_INPUT'] }

export const authPolicies: Resolver = async (_, __, ctx) => valueOf(await model.authPolicies(ctx.deps, ctx.caller))

export const createAuthPolicy: Resolver<{ policy: model.AuthPolicyInput }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.createAuthPolicy(ctx.deps, ctx.caller, args.policy), codes))

export const updateAuthPolicy: Resolver<{ id: string; policy: model.AuthPolicyInput }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.updateAuthPolicy(ctx.deps, ctx.caller, args.id, args.policy), codes))

export const deleteAuthPolicy: Resolver<{ id: string }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.deleteAuthPolicy(ctx.deps, ctx.caller, args.id), codes))
