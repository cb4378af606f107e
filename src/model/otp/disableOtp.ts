import type { Deps } from '../deps.js'
import { fail, ok, type Result } from '../result.js'
import { updatePersonOtp } from '../../db/queries/persons.js'
import type { Principal } from '../auth/authenticate.js'
import { otpOwner, type Proof } from './confirmPresence.js'

/** Turns TOTP off and forgets the secret; also cancels a prepared, unconfirmed set-up. */
export async function disableOtp(deps: Deps, caller: Principal, proof: Proof): Promise<Result<null, 'OTP_NOT_ACTIVE' | 'FORBIDDEN'>> {
  const owner = await otpOwner(deps, caller, proof)
  if (!owner.ok) return owner
  const person = owner.value
  if (person.otpSecretEncrypted === null) return fail('OTP_NOT_ACTIVE', 'OTP is not active, you cannot disable it.')
  return deps.db.transaction(async (tx) => {
    await updatePersonOtp(tx, person.id, { secretEncrypted: null, activatedAt: null, lastTimeStep: null })
    return ok(null)
  })
}
