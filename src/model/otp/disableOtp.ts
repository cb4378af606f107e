import type { Deps } from '../deps.js'
import { fail, ok, type Result } from '../result.js'
import { updatePersonOtp, type PersonCredentials } from '../../db/queries/persons.js'

/** Turns TOTP off and forgets the secret; also cancels a prepared, unconfirmed set-up. */
export async function disableOtp(deps: Deps, person: PersonCredentials): Promise<Result<null, 'OTP_NOT_ACTIVE'>> {
  if (person.otpSecretEncrypted === null) return fail('OTP_NOT_ACTIVE', 'OTP is not active, you cannot disable it.')
  return deps.db.transaction(async (tx) => {
    await updatePersonOtp(tx, person.id, { secretEncrypted: null, activatedAt: null, lastTimeStep: null })
    return ok(null)
  })
}
