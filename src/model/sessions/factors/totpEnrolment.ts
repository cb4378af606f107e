import type { Deps } from '../../deps.js'
import { activatePendingOtp, claimOtpTimeStep, openMfaGrace, setPendingOtp, type PersonCredentials } from '../../../db/queries/persons.js'
import type { Caller } from '../../auth/authenticate.js'
import type { TenantConfig } from '../../config/tenantConfig.js'
import type { EffectivePolicy } from '../../authPolicies/effectivePolicy.js'
import { recordAuthEvent } from '../../authLog/recordAuthEvent.js'
import { issueBackupCodes } from '../../mfa/backupCodes.js'
import { checkOtp, newOtpSecret, otpUri } from '../../otp/totp.js'
import { fail, type Result } from '../../result.js'
import { invalidCode, passed, type SecondFactorPassed } from './proof.js'
import { otpContext } from './totp.js'

export interface EnrolmentContext {
  config: TenantConfig
  policy: EffectivePolicy
  /** The answer may carry a new secret (false for signInPasswordless: the person is only told). */
  enrol: boolean
}

/**
 * MFA an auth policy requires of a person without any factor. The grace period (the policy's
 * `mfaGraceDuration`, else `login.mfaGraceDuration`) starts at the first sign-in it applies to;
 * after it, the answer is MFA_ENROLLMENT_REQUIRED with a new TOTP secret, and the same sign-in
 * with a code of it finishes the enrolment (and gets backup codes).
 */
export async function requireEnrolment(deps: Deps, caller: Caller, person: PersonCredentials, otpToken: string | null | undefined,
  context: EnrolmentContext): Promise<Result<SecondFactorPassed, 'INVALID_OTP_TOKEN' | 'MFA_ENROLLMENT_REQUIRED'>> {
  const now = deps.clock.now()
  if (person.mfaGraceUntil !== null) {
    if (person.mfaGraceUntil.getTime() > now.getTime()) return passed()
  } else {
    const grace = context.policy.graceDuration ?? context.config.login.mfaGraceDuration
    if (grace > 0) {
      await openMfaGrace(deps.db, person.id, new Date(now.getTime() + grace * 1000))
      return passed()
    }
  }
  if (!context.enrol) {
    return fail('MFA_ENROLLMENT_REQUIRED', 'MFA enrollment is required: sign in with your password to enrol, or set up a second factor first')
  }
  const pending = person.otpPendingSecretEncrypted
  if (otpToken && pending !== null) return finishEnrolment(deps, caller, person, pending, otpToken)
  const secret = newOtpSecret()
  await deps.db.transaction(async (tx) => {
    await setPendingOtp(tx, person.id, deps.secrets.encrypt(secret, otpContext(person.id)), now)
    await recordAuthEvent(deps, tx, caller, { type: 'mfa_enrollment_required', success: false, personId: person.id })
  })
  return fail('MFA_ENROLLMENT_REQUIRED', 'MFA enrollment is required', {
    mfaEnrollment: { otpSecret: secret, otpUri: otpUri({ issuer: deps.otpIssuer, label: person.email ?? person.name ?? person.id, secret }) },
  })
}

/** A code of the pending secret turns TOTP on, with a first set of backup codes. */
async function finishEnrolment(deps: Deps, caller: Caller, person: PersonCredentials, pending: string, otpToken: string):
    Promise<Result<SecondFactorPassed, 'INVALID_OTP_TOKEN'>> {
  const now = deps.clock.now()
  const step = await checkOtp(deps.secrets.decrypt(pending, otpContext(person.id)), otpToken, now, null)
  if (step === null) return invalidCode()
  const backupCodes = await deps.db.transaction(async (tx) => {
    // A concurrent enrolment that promoted the secret first issued the codes: this one gets none.
    if (!await activatePendingOtp(tx, person.id, pending, now)) return null
    await claimOtpTimeStep(tx, person.id, step)
    await recordAuthEvent(deps, tx, caller, { type: '2fa_enable', success: true, personId: person.id })
    const codes = await issueBackupCodes(deps, tx, person.id)
    await recordAuthEvent(deps, tx, caller, { type: 'backup_code_generated', success: true, personId: person.id })
    return codes
  })
  return backupCodes === null ? invalidCode() : passed({ proven: true, backupCodes })
}
