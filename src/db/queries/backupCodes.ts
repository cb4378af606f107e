import type { Queryable } from '../db.js'

/** A person's new set of backup codes replaces every earlier one, used or not. */
export async function replaceBackupCodes(q: Queryable, personId: string, codeHashes: readonly string[], at: Date): Promise<void> {
  await q.query('DELETE FROM person_backup_code WHERE person_id = $1', [personId])
  await q.query(
    `INSERT INTO person_backup_code (person_id, code_hash, created_at) SELECT $1, hash, $3 FROM unnest($2::text[]) AS hash`,
    [personId, codeHashes, at])
}

export async function deleteBackupCodes(q: Queryable, personId: string): Promise<void> {
  await q.query('DELETE FROM person_backup_code WHERE person_id = $1', [personId])
}

/** The person's unused codes (their hashes), to compare a given code with each. */
export async function selectUnusedBackupCodes(q: Queryable, personId: string): Promise<{ id: string; codeHash: string }[]> {
  const { rows } = await q.query<{ id: string; codeHash: string }>(
    'SELECT id, code_hash AS "codeHash" FROM person_backup_code WHERE person_id = $1 AND used_at IS NULL', [personId])
  return rows
}

/** Uses one code; only one request can (the row changes only while unused). Answers the codes left, or null when it was used already. */
export async function useBackupCode(q: Queryable, id: string, at: Date): Promise<number | null> {
  const { rows } = await q.query<{ personId: string }>(
    'UPDATE person_backup_code SET used_at = $2 WHERE id = $1 AND used_at IS NULL RETURNING person_id AS "personId"', [id, at])
  if (rows.length === 0) return null
  const left = await q.query<{ count: number }>('SELECT count(*)::int AS count FROM person_backup_code WHERE person_id = $1 AND used_at IS NULL', [rows[0]!.personId])
  return left.rows[0]!.count
}
