import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { fail, ok, type Result } from '../result.js'
import { activatePendingOtp } from '../../db/queries/persons.js'
import type { Caller } from '../auth/authenticate.js'
import { otpOwner } from './confirmPresence.js'
import { otpContext } from '../sessions/factors/totp.js'
import { checkOtp } from './totp.js'
import { issueBackupCodes } from '../mfa/backupCodes.js'

/**
 * Makes the prepared TOTP set-up the active one (replacing an earlier one) once a current code
 * proves the app has it, and hands out a new set of backup codes.
 */
export async function confirmOtp(deps: Deps, caller: Caller, code: string):
    Promise<Result<{ backupCodes: string[] }, 'NOT_PREPARED' | 'INVALID_OTP_TOKEN' | 'FORBIDDEN'>> {
  const owner = await otpOwner(deps, caller)
  if (!owner.ok) return owner
  const person = owner.value
  const pending = person.otpPendingSecretEncrypted
  if (pending === null) return fail('NOT_PREPARED', 'OTP setup was not initialized. Call prepareOtp first.')
  const now = deps.clock.now()
  const step = await checkOtp(deps.secrets.decrypt(pending, otpContext(person.id)), code, now, null)
  if (step === null) {
    await recordAuthEvent(deps, deps.db, caller, { type: '2fa_enable', success: false, personId: person.id, errorCode: 'INVALID_OTP_TOKEN' })
    return fail('INVALID_OTP_TOKEN', 'Provided token is not correct.')
  }
  return deps.db.transaction(async (tx) => {
    // The code is not spent: confirming enrolment is no sign-in, and clients sign in at once with
    // the code still on screen. Replays among sign-ins stay refused (claimOtpTimeStep at sign-in).
    if (!await activatePendingOtp(tx, person.id, pending, now)) return fail('NOT_PREPARED', 'OTP setup was replaced meanwhile. Call prepareOtp again.')
    await recordAuthEvent(deps, tx, caller, { type: '2fa_enable', success: true, personId: person.id })
    const backupCodes = await issueBackupCodes(deps, tx, person.id)
    await recordAuthEvent(deps, tx, caller, { type: 'backup_code_generated', success: true, personId: person.id })
    return ok({ backupCodes })
  })
}
