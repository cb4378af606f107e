import type { Deps } from '../deps.js'
import { isUniqueViolation } from '../../db/errors.js'
import { selectBootstrapKey } from '../../db/queries/bootstrapKeys.js'
import { insertIdentity } from '../../db/queries/identities.js'
import { insertPerson } from '../../db/queries/persons.js'
import { hashPassword } from '../passwords/hashing.js'
import { normaliseEmail } from '../persons/email.js'

/**
 * CONTEMBER_ROOT_EMAIL + CONTEMBER_ROOT_PASSWORD: the first admin, created at start when no
 * person has that email. Like the reference, the person is bound to the root token's identity
 * (so `me` with the root token shows `super_admin` and `person`); if that identity already has
 * a person, the new one gets an identity of its own with `super_admin`.
 * Returns true when a person was created.
 */
export async function ensureRootPerson(deps: Deps, email: string, password: string): Promise<boolean> {
  const normalised = normaliseEmail(email)
  const { rows } = await deps.db.query('SELECT 1 FROM person WHERE email = $1', [normalised])
  if (rows.length > 0) return false
  const passwordHash = await hashPassword(password)
  try {
    return await deps.db.transaction(async (tx) => {
      const root = await selectBootstrapKey(tx, 'root')
      const { rows: owner } = await tx.query<{ identityId: string; taken: boolean }>(
        `SELECT k.identity_id AS "identityId", EXISTS (SELECT 1 FROM person p WHERE p.identity_id = k.identity_id) AS taken
           FROM api_key k WHERE k.id = $1`, [root?.apiKeyId ?? null])
      const identityId = owner[0] && !owner[0].taken
        ? owner[0].identityId
        : (await insertIdentity(tx, { roles: ['super_admin'] })).id
      await insertPerson(tx, { identityId, email: normalised, name: null, passwordHash, createdAt: deps.clock.now() })
      return true
    })
  } catch (error) {
    // Another node created it at the same moment.
    if (isUniqueViolation(error, 'person_email_unique')) return false
    throw error
  }
}
