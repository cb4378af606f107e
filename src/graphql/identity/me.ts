import { selectIdentitiesByIds, type IdentityRow } from '../../db/queries/identities.js'
import type { Resolver } from '../context.js'

/** Anyone with a valid token may ask who it is, the login token included. */
export const me: Resolver<Record<string, never>, unknown, IdentityRow> = async (_, __, ctx) => {
  const [identity] = await selectIdentitiesByIds(ctx.deps.db, [ctx.principal.identityId])
  // The token was valid a moment ago and identities are never deleted while keys point at them.
  if (!identity) throw new Error('identity of an authenticated token not found')
  return identity
}
