import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { fail, ok, type Result } from '../result.js'
import type { Caller } from '../auth/authenticate.js'
import { setEmailOtpEnabled } from '../../db/queries/persons.js'
import { deleteBackupCodes } from '../../db/queries/backupCodes.js'
import { loadTenantConfig } from '../config/tenantConfig.js'
import { otpOwner, type Proof } from '../otp/confirmPresence.js'
import { sendEmailOtp, spendEmailOtp } from '../emailOtp/emailOtp.js'
import { issueBackupCodes } from './backupCodes.js'
import { lastFactorRequired } from './mfaRequired.js'

// Email OTP as a second factor: sign-in mails a six-digit code and asks for it (otpToken).
// Turned on by proving the person reads the mail: initEmailOtp mails a code, confirmEmailOtp
// takes it back.

/** Mails the caller a code to confirm email OTP with (or to prove presence with, once it is on). */
export async function initEmailOtp(deps: Deps, caller: Caller): Promise<Result<null, 'NO_EMAIL' | 'RATE_LIMITED' | 'FORBIDDEN'>> {
  const owner = await otpOwner(deps, caller)
  if (!owner.ok) return owner
  const person = owner.value
  if (!person.email) return fail('NO_EMAIL', 'Person has no email address to send the code to.')
  const config = await loadTenantConfig(deps.db)
  const sending = await deps.db.transaction(async (tx) => {
    const sending = await sendEmailOtp(deps, tx, person, config)
    await recordAuthEvent(deps, tx, caller, { type: 'email_otp_sent', success: sending.sent, personId: person.id, ...(sending.sent ? {} : { errorCode: 'RATE_LIMITED' }) })
    return sending
  })
  if (!sending.sent) return fail('RATE_LIMITED', `Too many codes requested. Retry after ${sending.retryAfter}s.`, { retryAfter: sending.retryAfter })
  return ok(null)
}

/** Turns email OTP on with the code last mailed, and hands out a new set of backup codes. */
export async function confirmEmailOtp(deps: Deps, caller: Caller, code: string): Promise<Result<{ backupCodes: string[] }, 'INVALID_OTP_TOKEN' | 'FORBIDDEN'>> {
  const owner = await otpOwner(deps, caller)
  if (!owner.ok) return owner
  const person = owner.value
  if (!await spendEmailOtp(deps, person, code)) return fail('INVALID_OTP_TOKEN', 'Provided code is not correct.')
  return deps.db.transaction(async (tx) => {
    await setEmailOtpEnabled(tx, person.id, true)
    await recordAuthEvent(deps, tx, caller, { type: '2fa_enable', success: true, personId: person.id, metadata: { factor: 'email_otp' } })
    const backupCodes = await issueBackupCodes(deps, tx, person.id)
    await recordAuthEvent(deps, tx, caller, { type: 'backup_code_generated', success: true, personId: person.id })
    return ok({ backupCodes })
  })
}

/**
 * Turns email OTP off: with the same proof of presence as disableOtp, and refused (MFA_REQUIRED)
 * when it is the person's only factor and an auth policy requires MFA of them.
 */
export async function disableEmailOtp(deps: Deps, caller: Caller, proof: Proof = {}):
    Promise<Result<null, 'EMAIL_OTP_NOT_ACTIVE' | 'MFA_REQUIRED' | 'FORBIDDEN'>> {
  const owner = await otpOwner(deps, caller, proof)
  if (!owner.ok) return owner
  const person = owner.value
  if (!person.emailOtpEnabled) return fail('EMAIL_OTP_NOT_ACTIVE', 'Email OTP is not active, you cannot disable it.')
  const lastFactor = person.otpActivatedAt === null
  if (lastFactor && await lastFactorRequired(deps, person)) return fail('MFA_REQUIRED', 'MFA is required for your role; you cannot disable your only factor.')
  return deps.db.transaction(async (tx) => {
    await setEmailOtpEnabled(tx, person.id, false)
    if (lastFactor) await deleteBackupCodes(tx, person.id)
    await recordAuthEvent(deps, tx, caller, { type: '2fa_disable', success: true, personId: person.id, metadata: { factor: 'email_otp' } })
    return ok(null)
  })
}
