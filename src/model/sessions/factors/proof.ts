import type { Queryable } from '../../../db/db.js'
import { claimOtpTimeStep } from '../../../db/queries/persons.js'
import { fail, ok, type Result } from '../../result.js'

// What a second factor answers. Each factor is a module beside this one that checks one kind of
// code; secondFactor.ts picks which a person must give.

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

export const passed = (fields: Partial<SecondFactorPassed> = {}): Result<SecondFactorPassed, never> =>
  ok({ step: null, proven: false, backupCodeUsed: false, backupCodes: null, ...fields })

export const invalidCode = () => fail('INVALID_OTP_TOKEN', 'OTP token validation has failed')

/** One code signs in once: a code seen by a shoulder-surfer is already spent. False when it was. */
export async function claimSecondFactor(tx: Queryable, personId: string, step: number | null): Promise<boolean> {
  return step === null || claimOtpTimeStep(tx, personId, step)
}

export const otpAlreadyUsed = () => fail('INVALID_OTP_TOKEN', 'OTP token validation has failed: this code was already used')
