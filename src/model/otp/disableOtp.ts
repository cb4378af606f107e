import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { fail, ok, type Result } from '../result.js'
import { updatePersonOtp } from '../../db/queries/persons.js'
import type { Caller } from '../auth/authenticate.js'
import { otpOwner, type Proof } from './confirmPresence.js'

/** Turns TOTP off and forgets the secret; also cancels a prepared, unconfirmed set-up. */
export async function disableOtp(deps: Deps, caller: Caller, proof: Proof): Promise<Result<null, 'OTP_NOT_ACTIVE' | 'FORBIDDEN'>> {
  const owner = await otpOwner(deps, caller, proof)
  if (!owner.ok) return owner
  const person = owner.value
  if (person.otpSecretEncrypted === null) return fail('OTP_NOT_ACTIVE', 'OTP is not active, you cannot disable it.')
  return deps.db.transaction(async (tx) => {
    await updatePersonOtp(tx, person.id, { secretEncrypted: null, activatedAt: null, lastTimeStep: null })
    // Cancelling a prepared set-up that never guarded sign-in turns nothing off.
    if (person.otpActivatedAt !== null) await recordAuthEvent(deps, tx, caller, { type: '2fa_disable', success: true, personId: person.id })
    return ok(null)
  })
}
