import * as model from '../../model/api-keys/createApiKey.js'
import type { Membership } from '../../model/rows.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

type Args = { projectSlug: string; memberships: Membership[]; description: string; tokenHash?: string | null; options?: { trustForwardedClientInfo?: boolean | null } | null }

export const createApiKey: Resolver<Args> = async (_, { options, ...args }, ctx) => {
  const result = await model.createApiKey(ctx.deps, ctx.caller, { ...args, trustForwardedClientInfo: options?.trustForwardedClientInfo })
  return toPayload(raiseUnnamed(result, { input: ['TOKEN_HASH_IN_USE', 'INVALID_TOKEN_HASH'], forbidden: ['FORBIDDEN'] }), (apiKey) => ({ apiKey }))
}
