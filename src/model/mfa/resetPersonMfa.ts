import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { ok, type Result } from '../result.js'
import type { Caller } from '../auth/authenticate.js'
import { resetPersonMfaColumns } from '../../db/queries/persons.js'
import { deleteBackupCodes } from '../../db/queries/backupCodes.js'
import { personToManage } from '../persons/personAccess.js'

/**
 * For a person who lost every factor: TOTP (also a set-up not confirmed), email OTP and backup
 * codes are removed, and an auth policy's grace period starts again at their next sign-in. For
 * super admins, and project admins on persons holding no global role they could not grant.
 */
export async function resetPersonMfa(deps: Deps, caller: Caller, personId: string): Promise<Result<null, 'PERSON_NOT_FOUND' | 'FORBIDDEN'>> {
  const found = await personToManage(deps, caller, 'resetPersonMfa', { id: personId }, 'PERSON_NOT_FOUND', `Person <${personId}> was not found`)
  if (!found.ok) {
    if (found.code === 'PERSON_NOT_FOUND') {
      await recordAuthEvent(deps, deps.db, caller, { type: 'mfa_reset', success: false, errorCode: found.code, metadata: { requestedPersonId: personId.slice(0, 100) } })
    }
    return found
  }
  const person = found.value
  return deps.db.transaction(async (tx) => {
    await resetPersonMfaColumns(tx, person.id)
    await deleteBackupCodes(tx, person.id)
    await recordAuthEvent(deps, tx, caller, { type: 'mfa_reset', success: true, targetPersonId: person.id })
    return ok(null)
  })
}
