import type { Deps } from '../deps.js'
import type { Principal } from '../auth/authenticate.js'
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
export async function revokeSession(deps: Deps, caller: Principal, sessionId: string): Promise<Result<null, 'SESSION_NOT_FOUND' | 'NOT_A_PERSON'>> {
  if (!await selectPersonCredentials(deps.db, { identityId: caller.identityId })) return fail('NOT_A_PERSON', 'Only a person can revoke a session')
  const notFound = () => fail('SESSION_NOT_FOUND', 'Session not found')
  if (!isUuid(sessionId)) return notFound()
  return deps.db.transaction(async (tx) => {
    const tokenHash = await disableSessionOfIdentity(tx, caller.identityId, sessionId, deps.clock.now())
    if (tokenHash === null) return notFound()
    await announceKeyChanged(deps, tx, tokenHash)
    return ok(null)
  })
}
