import type { Db } from '../../db/db.js'
import { INVALIDATION_CHANNEL } from '../../db/queries/invalidation.js'
import type { TokenCache } from './tokenCache.js'
import type { PolicyCache } from '../authPolicies/effectivePolicy.js'

/**
 * Drops cache entries as changes are announced. When the listening connection was lost, messages
 * may have been missed, so everything is dropped.
 */
export function followInvalidations(db: Db, cache: TokenCache, policies: PolicyCache): Promise<() => Promise<void>> {
  return db.listen(INVALIDATION_CHANNEL, (payload) => {
    cache.stats.invalidations++
    const [kind, id] = [payload.slice(0, payload.indexOf(':')), payload.slice(payload.indexOf(':') + 1)]
    if (kind === 'key') cache.dropToken(id)
    else if (kind === 'identity') cache.dropIdentity(id)
    else if (kind === 'policies') policies.clear()
    else {
      cache.clear()
      policies.clear()
    }
  }, () => {
    cache.clear()
    policies.clear()
  })
}
