import type { Deps } from '../deps.js'
import { announceIdentityChanged } from '../auth/announce.js'
import type { Principal } from '../auth/authenticate.js'
import { fail, ok, type Result } from '../result.js'
import { disableSessionsOfIdentity, setApiKeyDisabled } from '../../db/queries/apiKeys.js'
import { forbiddenMessage, may } from '../acl/permissions.js'

export type SignOutErrorCode = 'NOT_A_PERSON' | 'NOT_POSSIBLE_SIGN_OUT_WITH_PERMANENT_API_KEY'

/**
 * Ends the caller's session, or with `all` every session of the caller's person.
 * Only sessions end: unlike the reference, `all` leaves the person's permanent keys working
 * (there, a root person signing out everywhere also killed the root token).
 */
export async function signOut(deps: Deps, caller: Principal, all: boolean): Promise<Result<null, SignOutErrorCode | 'FORBIDDEN'>> {
  // As in the reference, an identity without a person (the login token included) or a permanent
  // key hears why from the payload; the role is checked only for a person's session.
  if (caller.personId === null) return fail('NOT_A_PERSON', 'Only a person can sign out')
  if (caller.apiKeyType !== 'session') {
    return fail('NOT_POSSIBLE_SIGN_OUT_WITH_PERMANENT_API_KEY', 'Only session API keys can be used for person sign out.')
  }
  if (!may(caller.roles, 'signOut')) return fail('FORBIDDEN', forbiddenMessage('signOut'))
  return deps.db.transaction(async (tx) => {
    const at = deps.clock.now()
    if (all) await disableSessionsOfIdentity(tx, caller.identityId, at)
    else await setApiKeyDisabled(tx, caller.apiKeyId, at)
    // Every node forgets the identity's cached keys at commit (the caller's key is one of them).
    await announceIdentityChanged(deps, tx, caller.identityId)
    return ok(null)
  })
}
