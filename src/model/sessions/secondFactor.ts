import type { Deps } from '../deps.js'
import type { Queryable } from '../../db/db.js'
import { claimOtpTimeStep, type PersonCredentials } from '../../db/queries/persons.js'
import { fail, ok, type Result } from '../result.js'
import { checkOtp } from '../otp/totp.js'

export const otpContext = (personId: string) => `otp:${personId}`

/**
 * The TOTP step of a sign-in (password or passwordless): nothing to do for a person without
 * TOTP; OTP_REQUIRED without a code; INVALID_OTP_TOKEN for a wrong one. The accepted time step
 * is claimed later, in the sign-in's transaction (claimSecondFactor).
 */
export async function checkSecondFactor(deps: Deps, person: PersonCredentials, code: string | null | undefined, now: Date):
    Promise<Result<{ step: number | null }, 'OTP_REQUIRED' | 'INVALID_OTP_TOKEN'>> {
  if (person.otpActivatedAt === null) return ok({ step: null })
  if (!code) return fail('OTP_REQUIRED', '2FA is enabled. OTP token is required')
  const secret = deps.secrets.decrypt(person.otpSecretEncrypted!, otpContext(person.id))
  const step = await checkOtp(secret, code, now, person.otpLastTimeStep)
  return step === null ? fail('INVALID_OTP_TOKEN', 'OTP token validation has failed') : ok({ step })
}

/** One code signs in once: a code seen by a shoulder-surfer is already spent. False when it was. */
export async function claimSecondFactor(tx: Queryable, personId: string, step: number | null): Promise<boolean> {
  return step === null || claimOtpTimeStep(tx, personId, step)
}

export const otpAlreadyUsed = () => fail('INVALID_OTP_TOKEN', 'OTP token validation has failed: this code was already used')
