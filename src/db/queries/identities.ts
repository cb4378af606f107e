import type { Queryable } from '../db.js'

export interface IdentityRow {
  id: string
  description: string | null
  roles: string[]
  personId: string | null
}

export async function insertIdentity(q: Queryable, identity: { roles: string[]; description?: string | null }): Promise<{ id: string }> {
  const { rows } = await q.query<{ id: string }>(
    'INSERT INTO identity (roles, description) VALUES ($1, $2) RETURNING id',
    [identity.roles, identity.description ?? null])
  return rows[0]!
}

export async function selectIdentitiesByIds(q: Queryable, ids: readonly string[]): Promise<IdentityRow[]> {
  const { rows } = await q.query<IdentityRow>(
    `SELECT i.id, i.description, i.roles, p.id AS "personId"
       FROM identity i LEFT JOIN person p ON p.identity_id = i.id
      WHERE i.id = ANY($1::uuid[])`, [ids])
  return rows
}

/** Locks an identity row for the rest of the transaction (membership changes of one identity queue). */
export async function lockIdentity(q: Queryable, id: string): Promise<{ roles: string[]; hasPerson: boolean } | null> {
  const { rows } = await q.query<{ roles: string[]; hasPerson: boolean }>(
    `SELECT i.roles, EXISTS (SELECT 1 FROM person p WHERE p.identity_id = i.id) AS "hasPerson"
       FROM identity i WHERE i.id = $1 FOR UPDATE`, [id])
  return rows[0] ?? null
}

export async function updateIdentityRoles(q: Queryable, id: string, roles: readonly string[]): Promise<void> {
  await q.query('UPDATE identity SET roles = $2 WHERE id = $1', [id, roles])
}
