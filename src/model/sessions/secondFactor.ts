import type { Deps } from '../deps.js'
import type { PersonCredentials } from '../../db/queries/persons.js'
import { fail, type Result } from '../result.js'
import type { Caller } from '../auth/authenticate.js'
import { passed, type SecondFactorPassed } from './factors/proof.js'
import { proveTotp } from './factors/totp.js'
import { proveBackupCode } from './factors/backupCode.js'
import { mailCode, proveEmailOtp } from './factors/emailOtp.js'
import { requireEnrolment, type EnrolmentContext } from './factors/totpEnrolment.js'

export type SecondFactorRefusal = 'OTP_REQUIRED' | 'INVALID_OTP_TOKEN' | 'MFA_ENROLLMENT_REQUIRED'

export interface SecondFactorInput {
  /** A TOTP code, or a code mailed to the person. */
  otpToken?: string | null
  backupCode?: string | null
}

/**
 * The second step of a sign-in (password or passwordless), after the first was right:
 * - TOTP on: a current code, or a backup code; OTP_REQUIRED without either.
 * - email OTP on: the code last mailed, or a backup code; without either a code is mailed and
 *   the answer is OTP_REQUIRED.
 * - neither, but an auth policy requires MFA: enrolment (factors/totpEnrolment.ts).
 * The TOTP code is taken first when a person sends both. Where the answer cannot carry a secret
 * (`enrol` false: signInPasswordless), a person who must enrol is only told so.
 */
export async function checkSecondFactor(deps: Deps, caller: Caller, person: PersonCredentials, input: SecondFactorInput,
  context: EnrolmentContext): Promise<Result<SecondFactorPassed, SecondFactorRefusal>> {
  const { otpToken, backupCode } = input
  const totpOn = person.otpActivatedAt !== null
  if (totpOn || person.emailOtpEnabled) {
    if (otpToken) return totpOn ? proveTotp(deps, person, otpToken) : proveEmailOtp(deps, person, otpToken)
    if (backupCode) return proveBackupCode(deps, person, backupCode)
    if (!totpOn) await mailCode(deps, caller, person, context.config)
    return fail('OTP_REQUIRED', '2FA is enabled. OTP token is required')
  }
  if (!context.policy.mfaRequired) return passed()
  return requireEnrolment(deps, caller, person, otpToken, context)
}
