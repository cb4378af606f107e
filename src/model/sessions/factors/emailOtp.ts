import type { Deps } from '../../deps.js'
import type { PersonCredentials } from '../../../db/queries/persons.js'
import type { Caller } from '../../auth/authenticate.js'
import type { TenantConfig } from '../../config/tenantConfig.js'
import { recordAuthEvent } from '../../authLog/recordAuthEvent.js'
import { sendEmailOtp, spendEmailOtp } from '../../emailOtp/emailOtp.js'
import type { Result } from '../../result.js'
import { invalidCode, passed, type SecondFactorPassed } from './proof.js'

/** The code last mailed to the person (EMAIL_OTP); spent here. */
export async function proveEmailOtp(deps: Deps, person: PersonCredentials, code: string): Promise<Result<SecondFactorPassed, 'INVALID_OTP_TOKEN'>> {
  return await spendEmailOtp(deps, person, code) ? passed({ proven: true }) : invalidCode()
}

/** Mails a sign-in code (EMAIL_OTP); the per-person limit may stop it (the last one mailed still works). */
export async function mailCode(deps: Deps, caller: Caller, person: PersonCredentials, config: TenantConfig): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const { sent } = await sendEmailOtp(deps, tx, person, config)
    await recordAuthEvent(deps, tx, caller, { type: 'email_otp_sent', success: sent, personId: person.id, ...(sent ? {} : { errorCode: 'RATE_LIMITED' }) })
  })
}
