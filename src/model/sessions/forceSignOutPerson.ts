import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import type { Caller } from '../auth/authenticate.js'
import { announceIdentityChanged } from '../auth/announce.js'
import { ok, type Result } from '../result.js'
import { disableSessionsOfIdentity } from '../../db/queries/apiKeys.js'
import { queueMail } from '../mail/queueMail.js'
import { mailProjectOf } from '../mail/mailProject.js'
import { personToManage } from '../persons/personAccess.js'

/**
 * Ends every session of a person at once, on every node (their API keys stay), and tells them by
 * mail (FORCED_SIGN_OUT, with the reason when one is given). For super admins, and project admins
 * on persons holding no global role they could not grant.
 */
export async function forceSignOutPerson(deps: Deps, caller: Caller, args: { personId: string; reason?: string | null }):
    Promise<Result<{ sessions: number }, 'PERSON_NOT_FOUND' | 'FORBIDDEN'>> {
  const found = await personToManage(deps, caller, 'forceSignOut', { id: args.personId }, 'PERSON_NOT_FOUND', 'Person not found')
  if (!found.ok) return found
  const person = found.value
  const project = person.email ? await mailProjectOf(deps.db, person, null) : null
  return deps.db.transaction(async (tx) => {
    const sessions = await disableSessionsOfIdentity(tx, person.identityId, deps.clock.now())
    await announceIdentityChanged(deps, tx, person.identityId)
    await recordAuthEvent(deps, tx, caller, { type: 'forced_sign_out', success: true, targetPersonId: person.id, metadata: { reason: args.reason ?? null, sessions } })
    if (person.email) {
      await queueMail(deps, tx, {
        type: 'FORCED_SIGN_OUT', to: person.email, project, variant: null, variables: { email: person.email, reason: args.reason || null }, secrets: [],
      })
    }
    return ok({ sessions })
  })
}
