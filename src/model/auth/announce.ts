import type { Queryable } from '../../db/db.js'
import { notifyIdentityChanged, notifyKeyChanged } from '../../db/queries/invalidation.js'
import type { Deps } from '../deps.js'

// A change that cached token answers depend on: announced to every node (delivered at commit),
// and dropped from this node's cache at once, so the caller's very next request, which may
// arrive before this node hears its own announcement, already sees it.

export async function announceKeyChanged(deps: Deps, tx: Queryable, tokenHash: string): Promise<void> {
  await notifyKeyChanged(tx, tokenHash)
  deps.tokens.dropToken(tokenHash)
}

export async function announceIdentityChanged(deps: Deps, tx: Queryable, identityId: string): Promise<void> {
  await notifyIdentityChanged(tx, identityId)
  deps.tokens.dropIdentity(identityId)
}
