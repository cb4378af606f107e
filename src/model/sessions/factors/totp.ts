import type { Deps } from '../../deps.js'
import type { PersonCredentials } from '../../../db/queries/persons.js'
import { checkOtp } from '../../otp/totp.js'
import type { Result } from '../../result.js'
import { invalidCode, passed, type SecondFactorPassed } from './proof.js'

/** The context a person's TOTP secret is sealed under. */
export const otpContext = (personId: string) => `otp:${personId}`

/**
 * A code of the person's authenticator app. Its time step must be newer than the last one used;
 * it is claimed with the session (claimSecondFactor), so the code signs in once.
 */
export async function proveTotp(deps: Deps, person: PersonCredentials, code: string): Promise<Result<SecondFactorPassed, 'INVALID_OTP_TOKEN'>> {
  const secret = deps.secrets.decrypt(person.otpSecretEncrypted!, otpContext(person.id))
  const step = await checkOtp(secret, code, deps.clock.now(), person.otpLastTimeStep)
  return step === null ? invalidCode() : passed({ step, proven: true })
}
