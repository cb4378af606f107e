import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { isBootstrapIdentity, type Deps } from '../deps.js'
import type { Caller } from '../auth/authenticate.js'
import { forbiddenMessage } from '../acl/permissions.js'
import { personToManage } from './personAccess.js'
import { announceIdentityChanged } from '../auth/announce.js'
import { fail, ok, type Result } from '../result.js'
import { setPersonDisabled } from '../../db/queries/persons.js'

/**
 * Disables a person: they cannot sign in, and every token of theirs stops working at once
 * (authentication checks the person on each request).
 */
export async function disablePerson(deps: Deps, caller: Caller, personId: string):
    Promise<Result<null, 'PERSON_ALREADY_DISABLED' | 'PERSON_NOT_FOUND' | 'FORBIDDEN'>> {
  const person = await personToManage(deps, caller, 'disablePerson', { id: personId }, 'PERSON_NOT_FOUND')
  if (!person.ok) return person
  // The root person shares the root token's identity: disabling it would stop the root token too,
  // and nothing could enable it again.
  if (isBootstrapIdentity(deps, person.value.identityId)) {
    return fail('FORBIDDEN', forbiddenMessage('disablePerson', ': the root person follows the environment'))
  }
  const { id, identityId } = person.value
  return deps.db.transaction(async (tx) => {
    if (!await setPersonDisabled(tx, id, deps.clock.now())) return fail('PERSON_ALREADY_DISABLED', 'Person is already disabled')
    await announceIdentityChanged(deps, tx, identityId)
    await recordAuthEvent(deps, tx, caller, { type: 'person_disable', success: true, targetPersonId: id })
    return ok(null)
  })
}
