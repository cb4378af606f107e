import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { fail, ok, type Result } from '../result.js'
import { clearOtp } from '../../db/queries/persons.js'
import { deleteBackupCodes } from '../../db/queries/backupCodes.js'
import type { Caller } from '../auth/authenticate.js'
import { otpOwner, type Proof } from './confirmPresence.js'
import { lastFactorRequired } from '../mfa/mfaRequired.js'

/**
 * Turns TOTP off (and cancels a set-up not confirmed yet). Refused (MFA_REQUIRED) when it is the
 * person's only factor and an auth policy requires MFA of them. The backup codes go with the
 * last factor.
 */
export async function disableOtp(deps: Deps, caller: Caller, proof: Proof): Promise<Result<null, 'OTP_NOT_ACTIVE' | 'MFA_REQUIRED' | 'FORBIDDEN'>> {
  const owner = await otpOwner(deps, caller, proof)
  if (!owner.ok) return owner
  const person = owner.value
  if (person.otpActivatedAt === null) return fail('OTP_NOT_ACTIVE', 'OTP is not active, you cannot disable it.')
  if (!person.emailOtpEnabled && await lastFactorRequired(deps, person)) return fail('MFA_REQUIRED', 'MFA is required for your role; you cannot disable your only factor.')
  return deps.db.transaction(async (tx) => {
    await clearOtp(tx, person.id)
    if (!person.emailOtpEnabled) await deleteBackupCodes(tx, person.id)
    await recordAuthEvent(deps, tx, caller, { type: '2fa_disable', success: true, personId: person.id })
    return ok(null)
  })
}
