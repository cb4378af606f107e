import type { Deps } from '../deps.js'
import { announceIdentityChanged } from '../auth/announce.js'
import type { Caller } from '../auth/authenticate.js'
import { fail, ok, type Result } from '../result.js'
import { disableSessionsOfIdentity, selectSessionIdp, setApiKeyDisabled } from '../../db/queries/apiKeys.js'
import { forbiddenMessage, may } from '../acl/permissions.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { selectIdentityProviders } from '../../db/queries/identityProviders.js'
import { idTokenContext } from '../idp/identityProviders.js'
import { usable } from '../idp/signInIdp.js'
import { endSessionUrl } from '../idp/handlers.js'

export type SignOutErrorCode = 'NOT_A_PERSON' | 'NOT_POSSIBLE_SIGN_OUT_WITH_PERMANENT_API_KEY'

/**
 * Ends the caller's session, or with `all` every session of the caller's person.
 * Only sessions end: unlike the reference, `all` leaves the person's permanent keys working
 * (there, a root person signing out everywhere also killed the root token). A session signed in
 * through an OpenID provider with a sign-out page gets its address (`logoutUrl`), so the person
 * can end their session there too.
 */
export async function signOut(deps: Deps, caller: Caller, all: boolean): Promise<Result<{ logoutUrl: string | null }, SignOutErrorCode | 'FORBIDDEN'>> {
  // As in the reference, an identity without a person (the login token included) or a permanent
  // key hears why from the payload; the role is checked only for a person's session.
  if (caller.personId === null) return fail('NOT_A_PERSON', 'Only a person can sign out')
  if (caller.apiKeyType !== 'session') {
    return fail('NOT_POSSIBLE_SIGN_OUT_WITH_PERMANENT_API_KEY', 'Only session API keys can be used for person sign out.')
  }
  if (!may(caller.roles, 'signOut')) return fail('FORBIDDEN', forbiddenMessage('signOut'))
  const idp = await selectSessionIdp(deps.db, caller.apiKeyId)
  await deps.db.transaction(async (tx) => {
    const at = deps.clock.now()
    if (all) await disableSessionsOfIdentity(tx, caller.identityId, at)
    else await setApiKeyDisabled(tx, caller.apiKeyId, at)
    // Every node forgets the identity's cached keys at commit (the caller's key is one of them).
    await announceIdentityChanged(deps, tx, caller.identityId)
  })
  const logoutUrl = idp ? await providerLogoutUrl(deps, caller, idp) : null
  return ok({ logoutUrl })
}

/** The provider's sign-out page, when it has one; the local sign-out stands whatever happens here. */
async function providerLogoutUrl(deps: Deps, caller: Caller, idp: { identityProviderId: string; idTokenSealed: string | null }): Promise<string | null> {
  const row = (await selectIdentityProviders(deps.db)).find((p) => p.id === idp.identityProviderId)
  const provider = usable(deps, row ?? null)
  if (!row || !provider || !idp.idTokenSealed) return null
  try {
    const url = await endSessionUrl(provider, deps.secrets.decrypt(idp.idTokenSealed, idTokenContext(row.slug)))
    if (url) await recordAuthEvent(deps, deps.db, caller, { type: 'idp_logout_initiated', success: true, personId: caller.personId, identityProviderId: row.id })
    return url
  } catch {
    return null
  }
}
