import type { Queryable } from '../db.js'

export interface PersonRow {
  id: string
  identityId: string
  email: string | null
  name: string | null
}

export async function selectPersonsByIds(q: Queryable, ids: readonly string[]): Promise<PersonRow[]> {
  const { rows } = await q.query<PersonRow>(
    `SELECT id, identity_id AS "identityId", email, name
       FROM person WHERE id = ANY($1::uuid[])`, [ids])
  return rows
}
