import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { fail, ok, type Result } from '../result.js'
import type { Caller } from '../auth/authenticate.js'
import { myPerson } from '../persons/personAccess.js'
import { deleteLink, selectLinksOfPersons } from '../../db/queries/identityProviders.js'
import { loadTenantConfig } from '../config/tenantConfig.js'
import { passwordlessAllowed } from '../passwordless/passwordlessPolicy.js'

/**
 * Removes one of the caller's connections to an identity provider, unless it is their last way
 * to sign in: no password, no passwordless sign-in, and no other enabled provider.
 */
export async function disconnectMyIdentityProvider(deps: Deps, caller: Caller, id: string): Promise<Result<null, 'NOT_FOUND' | 'NOT_A_PERSON' | 'LAST_AUTH_METHOD' | 'FORBIDDEN'>> {
  const found = await myPerson(deps, caller, 'disconnectMyIdp', 'Only a person can disconnect an identity provider.')
  if (!found.ok) return found
  const person = found.value
  const links = await selectLinksOfPersons(deps.db, [person.id])
  const link = links.find((l) => l.id === id)
  if (!link) return fail('NOT_FOUND', `You are not connected to the identity provider connection "${id.slice(0, 100)}".`)
  const config = await loadTenantConfig(deps.db)
  const otherWay = person.passwordHash !== null
    || (person.email !== null && passwordlessAllowed(config.passwordless.enabled, person.passwordlessEnabled))
    || links.some((l) => l.id !== id && l.disabledAt === null)
  if (!otherWay) return fail('LAST_AUTH_METHOD', 'Cannot disconnect the only remaining sign-in method. Set up a password or another sign-in method first.')
  return deps.db.transaction(async (tx) => {
    await deleteLink(tx, link.id)
    await recordAuthEvent(deps, tx, caller, { type: 'idp_disconnect', success: true, personId: person.id, identityProviderId: link.identityProviderId, eventData: { id, slug: link.slug } })
    return ok(null)
  })
}
