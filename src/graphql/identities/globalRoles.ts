import * as model from '../../model/identities/globalRoles.js'
import { may, mayAssignGlobalRoles } from '../../model/acl/permissions.js'
import { selectIdentitiesByIds } from '../../db/queries/identities.js'
import type { Context, Resolver } from '../context.js'
import { ForbiddenError } from '../errors.js'
import { toPayload } from '../payload.js'

type Args = { identityId: string; roles: string[] }

async function change(ctx: Context, args: Args, apply: typeof model.addGlobalIdentityRoles, verb: 'add' | 'remove') {
  if (!may(ctx.principal.roles, 'changeGlobalRoles') || !mayAssignGlobalRoles(ctx.principal.roles, args.roles)) {
    throw new ForbiddenError(`You are not allowed to ${verb} global roles`)
  }
  const result = await apply(ctx.deps, ctx.principal.roles, args.identityId, args.roles)
  // The target's roles or its being a special token's identity: refused as any other forbidden call.
  if (!result.ok && result.code === 'FORBIDDEN') throw new ForbiddenError(`You are not allowed to ${verb} global roles`)
  if (!result.ok) return toPayload(result)
  const [identity] = await selectIdentitiesByIds(ctx.deps.db, [result.value.id])
  return toPayload(result, () => ({ identity }))
}

export const addGlobalIdentityRoles: Resolver<Args> = (_, args, ctx) => change(ctx, args, model.addGlobalIdentityRoles, 'add')
export const removeGlobalIdentityRoles: Resolver<Args> = (_, args, ctx) => change(ctx, args, model.removeGlobalIdentityRoles, 'remove')
