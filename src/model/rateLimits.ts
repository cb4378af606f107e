import type { Deps } from './deps.js'
import { reserveWindowedRequest } from '../db/queries/rateLimits.js'
import { loadTenantConfig, type RateLimitName } from './config/tenantConfig.js'

/**
 * Reserves one request of a per-address limit (`rateLimits`): null when it may go on, else the
 * seconds until the window ends. A limit of 0, or a request whose address is unknown, is not
 * limited. Counted in the database before any work, so the limit holds across nodes.
 */
export async function withinIpLimit(deps: Deps, name: Exclude<RateLimitName, 'emailOtpPerPerson'>, ip: string | null): Promise<{ retryAfter: number } | null> {
  const { limit, window } = (await loadTenantConfig(deps.db)).rateLimits[name]
  if (limit <= 0 || window <= 0 || !ip) return null
  const now = deps.clock.now()
  const reserved = await reserveWindowedRequest(deps.db, 'ip', name, ip, now, window * 1000, limit)
  return reserved.allowed ? null : { retryAfter: Math.max(1, Math.ceil((reserved.windowEnds.getTime() - now.getTime()) / 1000)) }
}
