import type { Queryable } from '../db.js'

/** The settings an operator changed, by section and field, as stored (the model gives them types). */
export type StoredConfigJson = Record<string, Record<string, unknown> | undefined>

export async function selectStoredConfig(q: Queryable, forUpdate = false): Promise<StoredConfigJson> {
  const { rows } = await q.query<{ value: StoredConfigJson }>(`SELECT value FROM tenant_config${forUpdate ? ' FOR UPDATE' : ''}`)
  return rows[0]?.value ?? {}
}

/** Makes sure the single row exists, so `FOR UPDATE` has something to lock. */
export async function ensureTenantConfigRow(q: Queryable): Promise<void> {
  await q.query('INSERT INTO tenant_config (id) VALUES (true) ON CONFLICT (id) DO NOTHING')
}

export async function updateStoredConfig(q: Queryable, value: StoredConfigJson, at: Date): Promise<void> {
  await q.query('UPDATE tenant_config SET value = $1, updated_at = $2 WHERE id', [JSON.stringify(value), at])
}
