import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { ok, type Result } from '../result.js'
import { announceIdentityChanged } from '../auth/announce.js'
import { disableSessionsOfIdentity } from '../../db/queries/apiKeys.js'
import { updatePersonPasswordHash } from '../../db/queries/persons.js'
import { hashPassword } from '../passwords/hashing.js'
import { refuseWeakPassword } from '../passwords/refuseWeakPassword.js'
import type { Caller } from '../auth/authenticate.js'
import { personToManage } from './personAccess.js'

/** An admin sets another person's password, checked against the policy (`changePassword`). */
export async function changePassword(deps: Deps, caller: Caller, args: { personId: string; password: string }):
    Promise<Result<null, 'TOO_WEAK' | 'PERSON_NOT_FOUND' | 'FORBIDDEN'>> {
  const person = await personToManage(deps, caller, 'changePassword', { id: args.personId }, 'PERSON_NOT_FOUND')
  if (!person.ok) return person
  return (await refuseWeakPassword(deps, args.password)) ?? storePassword(deps, person.value, args.password, null, { caller, self: false })
}

/**
 * Hashes (before the transaction: the slow part holds no locks) and stores an accepted password.
 * Every session of the person ends but `keepSessionId` (the one that changed its own password):
 * whoever held a stolen session, or knew the old password, is signed out everywhere at once.
 */
export async function storePassword(deps: Deps, person: { id: string; identityId: string }, password: string, keepSessionId: string | null,
    audit: { caller: Caller; self: boolean }): Promise<Result<null, never>> {
  const hash = await hashPassword(password)
  return deps.db.transaction(async (tx) => {
    await updatePersonPasswordHash(tx, person.id, hash)
    await disableSessionsOfIdentity(tx, person.identityId, deps.clock.now(), keepSessionId)
    await announceIdentityChanged(deps, tx, person.identityId)
    await recordAuthEvent(deps, tx, audit.caller, { type: 'password_change', success: true, ...(audit.self ? { personId: person.id } : { targetPersonId: person.id }) })
    return ok(null)
  })
}
