import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { fail, ok, type Result } from '../result.js'
import { updatePersonOtp } from '../../db/queries/persons.js'
import type { Caller } from '../auth/authenticate.js'
import { otpOwner } from './confirmPresence.js'
import { otpContext } from '../sessions/secondFactor.js'
import { checkOtp } from './totp.js'

export async function confirmOtp(deps: Deps, caller: Caller, code: string):
    Promise<Result<null, 'NOT_PREPARED' | 'INVALID_OTP_TOKEN' | 'FORBIDDEN'>> {
  const owner = await otpOwner(deps, caller)
  if (!owner.ok) return owner
  const person = owner.value
  if (person.otpSecretEncrypted === null) return fail('NOT_PREPARED', 'OTP setup was not initialized. Call prepareOtp first.')
  const secret = deps.secrets.decrypt(person.otpSecretEncrypted, otpContext(person.id))
  const now = deps.clock.now()
  const step = await checkOtp(secret, code, now, person.otpLastTimeStep)
  if (step === null) return fail('INVALID_OTP_TOKEN', 'Provided token is not correct.')
  return deps.db.transaction(async (tx) => {
    // The code is not spent: confirming enrolment is no sign-in, and clients sign in at once with
    // the code still on screen. Replays among sign-ins stay refused (claimOtpTimeStep at sign-in).
    await updatePersonOtp(tx, person.id, { secretEncrypted: person.otpSecretEncrypted, activatedAt: now, lastTimeStep: null })
    await recordAuthEvent(deps, tx, caller, { type: '2fa_enable', success: true, personId: person.id })
    return ok(null)
  })
}
