import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { fail, ok, type Result } from '../result.js'
import type { Caller } from '../auth/authenticate.js'
import { otpOwner, type Proof } from '../otp/confirmPresence.js'
import { issueBackupCodes } from './backupCodes.js'

/**
 * A new set of ten backup codes for the caller, replacing every earlier one; only with a second
 * factor on. The person proves presence as for disableOtp: codes made by a stolen session would
 * get its holder past the second factor for good.
 */
export async function regenerateBackupCodes(deps: Deps, caller: Caller, proof: Proof = {}): Promise<Result<{ backupCodes: string[] }, 'OTP_NOT_ACTIVE' | 'FORBIDDEN'>> {
  const owner = await otpOwner(deps, caller, proof)
  if (!owner.ok) return owner
  const person = owner.value
  if (person.otpActivatedAt === null && !person.emailOtpEnabled) return fail('OTP_NOT_ACTIVE', 'OTP is not active, you cannot regenerate backup codes.')
  return deps.db.transaction(async (tx) => {
    const backupCodes = await issueBackupCodes(deps, tx, person.id)
    await recordAuthEvent(deps, tx, caller, { type: 'backup_code_regenerated', success: true, personId: person.id })
    return ok({ backupCodes })
  })
}
