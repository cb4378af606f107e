import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import type { Caller } from '../auth/authenticate.js'
import { announceKeyChanged } from '../auth/announce.js'
import { fail, ok, type Result } from '../result.js'
import { disableSessionOfIdentity } from '../../db/queries/apiKeys.js'
import { selectPersonCredentials } from '../../db/queries/persons.js'
import { isUuid } from '../persons/findPerson.js'

/**
 * A person ends one of their own live sessions (the current one too: that is signing out). It
 * stops working at once on every node. Another identity's session, an API key, or a session that
 * ended already are SESSION_NOT_FOUND.
 */
export async function revokeSession(deps: Deps, caller: Caller, sessionId: string): Promise<Result<null, 'SESSION_NOT_FOUND' | 'NOT_A_PERSON'>> {
  const person = await selectPersonCredentials(deps.db, { identityId: caller.identityId })
  if (!person) return fail('NOT_A_PERSON', 'Only a person can revoke a session')
  const notFound = async () => {
    await recordAuthEvent(deps, deps.db, caller, { type: 'session_revoked_by_user', success: false, personId: person.id, errorCode: 'SESSION_NOT_FOUND', metadata: { sessionId: sessionId.slice(0, 100) } })
    return fail('SESSION_NOT_FOUND', 'Session not found')
  }
  if (!isUuid(sessionId)) return notFound()
  const revoked = await deps.db.transaction(async (tx) => {
    const tokenHash = await disableSessionOfIdentity(tx, caller.identityId, sessionId, deps.clock.now())
    if (tokenHash === null) return fail('SESSION_NOT_FOUND', 'Session not found')
    await announceKeyChanged(deps, tx, tokenHash)
    await recordAuthEvent(deps, tx, caller, { type: 'session_revoked_by_user', success: true, personId: person.id, metadata: { sessionId } })
    return ok(null)
  })
  return revoked.ok ? revoked : notFound()
}
