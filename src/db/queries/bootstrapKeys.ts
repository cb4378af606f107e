import type { Queryable } from '../db.js'

export type BootstrapKeyName = 'root' | 'login'

export async function selectBootstrapKey(q: Queryable, name: BootstrapKeyName): Promise<{ apiKeyId: string; tokenHash: string } | null> {
  const { rows } = await q.query<{ apiKeyId: string; tokenHash: string }>(
    `SELECT b.api_key_id AS "apiKeyId", k.token_hash AS "tokenHash"
       FROM bootstrap_key b JOIN api_key k ON k.id = b.api_key_id
      WHERE b.name = $1`, [name])
  return rows[0] ?? null
}

export async function insertBootstrapKey(q: Queryable, name: BootstrapKeyName, apiKeyId: string): Promise<void> {
  await q.query('INSERT INTO bootstrap_key (name, api_key_id) VALUES ($1, $2)', [name, apiKeyId])
}
