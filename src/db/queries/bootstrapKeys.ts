import type { Queryable } from '../db.js'

export type BootstrapKeyName = 'root' | 'login'

export async function selectBootstrapKey(q: Queryable, name: BootstrapKeyName): Promise<{ apiKeyId: string; tokenHash: string; identityId: string } | null> {
  const { rows } = await q.query<{ apiKeyId: string; tokenHash: string; identityId: string }>(
    `SELECT b.api_key_id AS "apiKeyId", k.token_hash AS "tokenHash", k.identity_id AS "identityId"
       FROM bootstrap_key b JOIN api_key k ON k.id = b.api_key_id
      WHERE b.name = $1`, [name])
  return rows[0] ?? null
}

export async function insertBootstrapKey(q: Queryable, name: BootstrapKeyName, apiKeyId: string): Promise<void> {
  await q.query('INSERT INTO bootstrap_key (name, api_key_id) VALUES ($1, $2)', [name, apiKeyId])
}

/**
 * Gives a special identity exactly its one global role and an enabled key that never expires
 * (and, for the login token, no project memberships). True when anything had to change.
 */
export async function restoreBootstrapIdentity(q: Queryable, target: { apiKeyId: string; identityId: string; role: string; dropMemberships: boolean }): Promise<boolean> {
  const roles = await q.query('UPDATE identity SET roles = ARRAY[$2]::text[] WHERE id = $1 AND roles <> ARRAY[$2]::text[]', [target.identityId, target.role])
  const key = await q.query(
    'UPDATE api_key SET disabled_at = NULL, expires_at = NULL WHERE id = $1 AND (disabled_at IS NOT NULL OR expires_at IS NOT NULL)', [target.apiKeyId])
  const memberships = target.dropMemberships
    ? await q.query('DELETE FROM project_membership WHERE identity_id = $1', [target.identityId])
    : { rowCount: 0 }
  return roles.rowCount + key.rowCount + memberships.rowCount > 0
}
