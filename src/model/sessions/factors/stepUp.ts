import type { Deps } from '../../deps.js'
import type { Queryable } from '../../../db/db.js'
import type { PersonCredentials } from '../../../db/queries/persons.js'
import type { Caller } from '../../auth/authenticate.js'
import type { TenantConfig } from '../../config/tenantConfig.js'
import { recordAuthEvent } from '../../authLog/recordAuthEvent.js'
import { spendEmailOtp } from '../../emailOtp/emailOtp.js'
import { queueMail } from '../../mail/queueMail.js'
import { fail, ok, type Result } from '../../result.js'
import { assessSignIn, type RiskAssessment } from '../signInRisk.js'
import { mailCode } from './emailOtp.js'

/**
 * An unusual sign-in (login.anomalyDetection) is told to the person; a very unusual one must also
 * give a code mailed to them (EMAIL_OTP), unless it proved a second factor just now (`proven`).
 * Without a code, a code is mailed and the answer is OTP_REQUIRED; with a wrong one,
 * INVALID_OTP_TOKEN. The assessment (null: nothing unusual is looked for) goes on to
 * noteUnusualSignIn once the sign-in succeeds.
 */
export async function stepUp(deps: Deps, caller: Caller, person: PersonCredentials, code: string | null | undefined, config: TenantConfig, proven: boolean):
    Promise<Result<RiskAssessment | null, 'OTP_REQUIRED' | 'INVALID_OTP_TOKEN'>> {
  const risk = await assessSignIn(deps, person.id, caller.client, config.login.anomalyDetection)
  if (risk?.action !== 'stepUp' || proven) return ok(risk)
  if (code && await spendEmailOtp(deps, person, code)) return ok(risk)
  // When the per-person limit stops a new code, the last one mailed still works.
  if (!code) await mailCode(deps, caller, person, config)
  await deps.db.transaction(async (tx) => {
    await noteUnusualSignIn(deps, tx, caller, person, risk, false)
    await recordAuthEvent(deps, tx, caller, { type: 'step_up_required', success: false, personId: person.id, eventData: { score: risk.score, reasons: risk.reasons } })
  })
  return code
    ? fail('INVALID_OTP_TOKEN', 'OTP token validation has failed')
    : fail('OTP_REQUIRED', 'Additional verification is required for this sign-in: enter the code mailed to you as otpToken')
}

/** The auth log entry of an unusual sign-in and, once it succeeded, the UNUSUAL_LOGIN mail. */
export async function noteUnusualSignIn(deps: Deps, tx: Queryable, caller: Caller, person: PersonCredentials, risk: RiskAssessment, success: boolean): Promise<void> {
  if (risk.action === 'allow') return
  await recordAuthEvent(deps, tx, caller, { type: 'unusual_login_detected', success, personId: person.id, eventData: { score: risk.score, reasons: risk.reasons } })
  if (success && person.email) {
    await queueMail(deps, tx, {
      type: 'UNUSUAL_LOGIN', to: person.email, project: null, variant: null, secrets: [],
      variables: { email: person.email, geoCountry: caller.client.geoCountry ?? null, ipAddress: caller.client.ip },
    })
  }
}
