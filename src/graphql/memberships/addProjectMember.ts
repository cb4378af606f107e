import * as model from '../../model/memberships/addProjectMember.js'
import type { Membership } from '../../model/rows.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export const addProjectMember: Resolver<{ projectSlug: string; identityId: string; memberships?: Membership[] }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.addProjectMember(ctx.deps, ctx.caller, { ...args, memberships: args.memberships ?? [] }), { forbidden: ['FORBIDDEN'] }))
