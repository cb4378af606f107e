import * as model from '../../model/api-keys/createGlobalApiKey.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

type Args = { description: string; roles?: string[] | null; tokenHash?: string | null; options?: { trustForwardedClientInfo?: boolean | null } | null }

export const createGlobalApiKey: Resolver<Args> = async (_, args, ctx) => {
  const result = await model.createGlobalApiKey(ctx.deps, ctx.caller, {
    roles: args.roles ?? [], description: args.description, tokenHash: args.tokenHash, trustForwardedClientInfo: args.options?.trustForwardedClientInfo,
  })
  return toPayload(raiseUnnamed(result, { input: ['TOKEN_HASH_IN_USE', 'INVALID_TOKEN_HASH', 'INVALID_ROLE_NAME'], forbidden: ['FORBIDDEN'] }), (apiKey) => ({ apiKey }))
}
