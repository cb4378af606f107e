import type { Deps } from '../../deps.js'
import type { PersonCredentials } from '../../../db/queries/persons.js'
import { spendBackupCode } from '../../mfa/backupCodes.js'
import type { Result } from '../../result.js'
import { invalidCode, passed, type SecondFactorPassed } from './proof.js'

/** One of the person's backup codes, instead of the code of their usual factor; spent here. */
export async function proveBackupCode(deps: Deps, person: PersonCredentials, code: string): Promise<Result<SecondFactorPassed, 'INVALID_OTP_TOKEN'>> {
  return await spendBackupCode(deps, person, code) ? passed({ proven: true, backupCodeUsed: true }) : invalidCode()
}
