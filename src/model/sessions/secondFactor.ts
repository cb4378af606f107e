import type { Deps } from '../deps.js'
import type { Queryable } from '../../db/db.js'
import { activatePendingOtp, claimOtpTimeStep, openMfaGrace, setPendingOtp, type PersonCredentials } from '../../db/queries/persons.js'
import { fail, ok, type Result } from '../result.js'
import { checkOtp, newOtpSecret, otpUri } from '../otp/totp.js'
import type { Caller } from '../auth/authenticate.js'
import type { TenantConfig } from '../config/tenantConfig.js'
import type { EffectivePolicy } from '../authPolicies/effectivePolicy.js'
import { spendBackupCode, issueBackupCodes } from '../mfa/backupCodes.js'
import { sendEmailOtp, spendEmailOtp } from '../emailOtp/emailOtp.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'

export const otpContext = (personId: string) => `otp:${personId}`

export type SecondFactorRefusal = 'OTP_REQUIRED' | 'INVALID_OTP_TOKEN' | 'MFA_ENROLLMENT_REQUIRED'

export interface SecondFactorInput {
  /** A TOTP code, or a code mailed to the person. */
  otpToken?: string | null
  backupCode?: string | null
}

export interface SecondFactorPassed {
  /** The TOTP time step accepted, claimed later in the sign-in's transaction (claimSecondFactor). */
  step: number | null
  /** A second factor was proven by this request. */
  proven: boolean
  /** `backup_code_used` goes into the sign-in's auth log. */
  backupCodeUsed: boolean
  /** The sign-in finished an enrolment an auth policy required: the new backup codes, shown once. */
  backupCodes: string[] | null
}

const passed = (fields: Partial<SecondFactorPassed> = {}): Result<SecondFactorPassed, never> =>
  ok({ step: null, proven: false, backupCodeUsed: false, backupCodes: null, ...fields })
const invalidCode = () => fail('INVALID_OTP_TOKEN', 'OTP token validation has failed')

/**
 * The second step of a sign-in (password or passwordless), after the first was right:
 * - TOTP on: a current code, or a backup code; OTP_REQUIRED without either.
 * - email OTP on: the code last mailed, or a backup code; without either a code is mailed and
 *   the answer is OTP_REQUIRED.
 * - neither, but an auth policy requires MFA: after the grace period the person must enrol:
 *   MFA_ENROLLMENT_REQUIRED with a new TOTP secret, and the same sign-in with a code of it
 *   finishes the enrolment (and gets backup codes).
 * The TOTP code is taken first when a person sends both. Where the answer cannot carry a secret
 * (`enrol` false: signInPasswordless), a person who must enrol is only told so.
 */
export async function checkSecondFactor(deps: Deps, caller: Caller, person: PersonCredentials, input: SecondFactorInput,
  context: { config: TenantConfig; policy: EffectivePolicy; enrol: boolean }): Promise<Result<SecondFactorPassed, SecondFactorRefusal>> {
  const now = deps.clock.now()
  const { otpToken, backupCode } = input
  if (person.otpActivatedAt !== null || person.emailOtpEnabled) {
    if (otpToken) {
      if (person.otpActivatedAt !== null) {
        const step = await checkOtp(deps.secrets.decrypt(person.otpSecretEncrypted!, otpContext(person.id)), otpToken, now, person.otpLastTimeStep)
        return step === null ? invalidCode() : passed({ step, proven: true })
      }
      return await spendEmailOtp(deps, person, otpToken) ? passed({ proven: true }) : invalidCode()
    }
    if (backupCode) return await spendBackupCode(deps, person, backupCode) ? passed({ proven: true, backupCodeUsed: true }) : invalidCode()
    if (person.otpActivatedAt === null) await mailCode(deps, caller, person, context.config)
    return fail('OTP_REQUIRED', '2FA is enabled. OTP token is required')
  }
  if (!context.policy.mfaRequired) return passed()
  return enrolment(deps, caller, person, otpToken, context)
}

/** Mails a sign-in code (EMAIL_OTP); the per-person limit may stop it (the last one mailed still works). */
export async function mailCode(deps: Deps, caller: Caller, person: PersonCredentials, config: TenantConfig): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const { sent } = await sendEmailOtp(deps, tx, person, config)
    await recordAuthEvent(deps, tx, caller, { type: 'email_otp_sent', success: sent, personId: person.id, ...(sent ? {} : { errorCode: 'RATE_LIMITED' }) })
  })
}

/**
 * MFA an auth policy requires of a person without any factor. The grace period (the policy's
 * `mfaGraceDuration`, else `login.mfaGraceDuration`) starts at the first sign-in it applies to.
 */
async function enrolment(deps: Deps, caller: Caller, person: PersonCredentials, otpToken: string | null | undefined,
  context: { config: TenantConfig; policy: EffectivePolicy; enrol: boolean }): Promise<Result<SecondFactorPassed, SecondFactorRefusal>> {
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
  if (otpToken && pending !== null) {
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
  const secret = newOtpSecret()
  await deps.db.transaction(async (tx) => {
    await setPendingOtp(tx, person.id, deps.secrets.encrypt(secret, otpContext(person.id)), now)
    await recordAuthEvent(deps, tx, caller, { type: 'mfa_enrollment_required', success: false, personId: person.id })
  })
  return fail('MFA_ENROLLMENT_REQUIRED', 'MFA enrollment is required', {
    mfaEnrollment: { otpSecret: secret, otpUri: otpUri({ issuer: deps.otpIssuer, label: person.email ?? person.name ?? person.id, secret }) },
  })
}

/** One code signs in once: a code seen by a shoulder-surfer is already spent. False when it was. */
export async function claimSecondFactor(tx: Queryable, personId: string, step: number | null): Promise<boolean> {
  return step === null || claimOtpTimeStep(tx, personId, step)
}

export const otpAlreadyUsed = () => fail('INVALID_OTP_TOKEN', 'OTP token validation has failed: this code was already used')
