import type { Deps } from '../deps.js'
import type { Caller } from '../auth/authenticate.js'
import { forbiddenMessage, may } from '../acl/permissions.js'
import { fail, ok, type Result } from '../result.js'
import { selectAuthLog, type AuthLogFilter, type AuthLogRow } from '../../db/queries/authLog.js'
import { isUuid } from '../persons/findPerson.js'

export const AUTH_LOG_DEFAULT_LIMIT = 100
export const AUTH_LOG_MAX_LIMIT = 500

/**
 * A page of the auth log, newest first, for super admins: every filter given must match.
 * `limit` defaults to 100 and is at most 500. A filter naming a malformed id matches nothing.
 */
export async function authLog(deps: Deps, caller: Caller, args: { filter?: AuthLogFilter | null; limit?: number | null; offset?: number | null }):
    Promise<Result<{ entries: AuthLogRow[]; hasMore: boolean }, 'FORBIDDEN'>> {
  if (!may(caller.roles, 'viewAuthLog')) return fail('FORBIDDEN', forbiddenMessage('viewAuthLog'))
  const filter = args.filter ?? {}
  const limit = Math.min(Math.max(args.limit ?? AUTH_LOG_DEFAULT_LIMIT, 0), AUTH_LOG_MAX_LIMIT)
  const offset = Math.max(args.offset ?? 0, 0)
  const ids = [filter.invokedByIdentityId, filter.personId, filter.targetPersonId]
  if (ids.some((id) => id != null && !isUuid(id)) || limit === 0) return ok({ entries: [], hasMore: false })
  const rows = await selectAuthLog(deps.db, filter, limit, offset)
  return ok({ entries: rows.slice(0, limit), hasMore: rows.length > limit })
}
