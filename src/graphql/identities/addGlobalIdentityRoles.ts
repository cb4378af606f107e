import * as model from '../../model/identities/addGlobalIdentityRoles.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export const addGlobalIdentityRoles: Resolver<{ identityId: string; roles: string[] }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.addGlobalIdentityRoles(ctx.deps, ctx.caller, args.identityId, args.roles), { forbidden: ['FORBIDDEN'] }))
