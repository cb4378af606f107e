import type { Deps } from '../deps.js'
import { ok, type Result } from '../result.js'
import { updatePersonPasswordHash } from '../../db/queries/persons.js'
import { hashPassword } from '../passwords/hashing.js'
import { refuseWeakPassword } from '../passwords/refuseWeakPassword.js'

/** Sets a new password after checking it against the policy (`changePassword`). */
export async function setPassword(deps: Deps, personId: string, password: string): Promise<Result<null, 'TOO_WEAK'>> {
  return (await refuseWeakPassword(deps, password)) ?? storePassword(deps, personId, password)
}

/** Hashes (before the transaction: the slow part holds no locks) and stores an accepted password. */
export async function storePassword(deps: Deps, personId: string, password: string): Promise<Result<null, never>> {
  const hash = await hashPassword(password)
  return deps.db.transaction(async (tx) => {
    await updatePersonPasswordHash(tx, personId, hash)
    return ok(null)
  })
}
