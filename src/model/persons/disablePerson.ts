import type { Deps } from '../deps.js'
import { announceIdentityChanged } from '../auth/announce.js'
import { fail, ok, type Result } from '../result.js'
import { setPersonDisabled } from '../../db/queries/persons.js'

/**
 * Disables a person: they cannot sign in, and every token of theirs stops working at once
 * (authentication checks the person on each request).
 */
export async function disablePerson(deps: Deps, personId: string, identityId: string): Promise<Result<null, 'PERSON_ALREADY_DISABLED'>> {
  return deps.db.transaction(async (tx) => {
    if (!await setPersonDisabled(tx, personId, deps.clock.now())) return fail('PERSON_ALREADY_DISABLED', 'Person is already disabled')
    await announceIdentityChanged(deps, tx, identityId)
    return ok(null)
  })
}
