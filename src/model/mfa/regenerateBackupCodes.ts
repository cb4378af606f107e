import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { fail, ok, type Result } from '../result.js'
import type { Caller } from '../auth/authenticate.js'
import { otpOwner } from '../otp/confirmPresence.js'
import { issueBackupCodes } from './backupCodes.js'

/** A new set of ten backup codes for the caller, replacing every earlier one; only with a second factor on. */
export async function regenerateBackupCodes(deps: Deps, caller: Caller): Promise<Result<{ backupCodes: string[] }, 'OTP_NOT_ACTIVE' | 'FORBIDDEN'>> {
  const owner = await otpOwner(deps, caller)
  if (!owner.ok) return owner
  const person = owner.value
  if (person.otpActivatedAt === null && !person.emailOtpEnabled) return fail('OTP_NOT_ACTIVE', 'OTP is not active, you cannot regenerate backup codes.')
  return deps.db.transaction(async (tx) => {
    const backupCodes = await issueBackupCodes(deps, tx, person.id)
    await recordAuthEvent(deps, tx, caller, { type: 'backup_code_regenerated', success: true, personId: person.id })
    return ok({ backupCodes })
  })
}
