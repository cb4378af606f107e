import * as model from '../../model/memberships/updateProjectMember.js'
import type { Membership } from '../../model/rows.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export const updateProjectMember: Resolver<{ projectSlug: string; identityId: string; memberships?: Membership[] }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.updateProjectMember(ctx.deps, ctx.caller, { ...args, memberships: args.memberships ?? [] }), { forbidden: ['FORBIDDEN'] }))
