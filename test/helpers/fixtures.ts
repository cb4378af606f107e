import { randomBytes } from 'node:crypto'
import type { Db } from '../../src/db/db.js'
import { insertApiKey } from '../../src/db/queries/apiKeys.js'
import { insertIdentity } from '../../src/db/queries/identities.js'
import { generateToken, hashToken } from '../../src/model/tokens.js'

export const randomEmail = () => `user-${randomBytes(5).toString('hex')}@example.com`

/**
 * A person with an identity and a permanent token, written to our own storage directly, for
 * tests that need one before the API can make it.
 */
export async function insertPersonWithToken(db: Db, options: { roles?: string[]; email?: string; name?: string } = {}) {
  const identity = await insertIdentity(db, { roles: options.roles ?? [] })
  const email = options.email ?? randomEmail()
  const { rows } = await db.query<{ id: string }>(
    'INSERT INTO person (identity_id, email, name) VALUES ($1, $2, $3) RETURNING id', [identity.id, email, options.name ?? null])
  const token = generateToken()
  await insertApiKey(db, { identityId: identity.id, type: 'permanent', tokenHash: hashToken(token), createdAt: new Date() })
  return { identityId: identity.id, personId: rows[0]!.id, email, token }
}
