import * as model from '../../model/identities/globalRoles.js'
import { mayAssignGlobalRoles } from '../../model/acl/permissions.js'
import { selectIdentitiesByIds } from '../../db/queries/identities.js'
import { forbidden, requireAccess, type Context, type Resolver } from '../context.js'
import { toPayload } from '../payload.js'

type Args = { identityId: string; roles: string[] }

async function change(ctx: Context, args: Args, apply: typeof model.addGlobalIdentityRoles) {
  requireAccess(ctx, 'changeGlobalRoles')
  if (!mayAssignGlobalRoles(ctx.principal.roles, args.roles)) throw forbidden('changeGlobalRoles')
  const result = await apply(ctx.deps, args.identityId, args.roles)
  if (!result.ok) return toPayload(result)
  const [identity] = await selectIdentitiesByIds(ctx.deps.db, [result.value.id])
  return toPayload(result, () => ({ identity }))
}

export const addGlobalIdentityRoles: Resolver<Args> = (_, args, ctx) => change(ctx, args, model.addGlobalIdentityRoles)
export const removeGlobalIdentityRoles: Resolver<Args> = (_, args, ctx) => change(ctx, args, model.removeGlobalIdentityRoles)
