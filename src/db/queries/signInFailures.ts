import type { Queryable } from '../db.js'

export interface SignInFailure {
  failures: number
  firstFailedAt: Date
  lastFailedAt: Date
}

export async function selectSignInFailure(q: Queryable, email: string): Promise<SignInFailure | null> {
  const { rows } = await q.query<SignInFailure>(
    `SELECT failures, first_failed_at AS "firstFailedAt", last_failed_at AS "lastFailedAt"
       FROM sign_in_failure WHERE email = $1`, [email])
  return rows[0] ?? null
}

/**
 * Counts one more failure in one statement, so failures from several nodes at once all count.
 * A failure after a quiet `windowSeconds` starts the count again.
 */
export async function recordSignInFailure(q: Queryable, email: string, at: Date, windowSeconds: number): Promise<void> {
  await q.query(
    `INSERT INTO sign_in_failure AS f (email, failures, first_failed_at, last_failed_at) VALUES ($1, 1, $2, $2)
     ON CONFLICT (email) DO UPDATE SET
       failures = CASE WHEN f.last_failed_at < $2::timestamptz - $3 * interval '1 second' THEN 1 ELSE f.failures + 1 END,
       first_failed_at = CASE WHEN f.last_failed_at < $2::timestamptz - $3 * interval '1 second' THEN $2 ELSE f.first_failed_at END,
       last_failed_at = $2`, [email, at, windowSeconds])
}

export async function deleteSignInFailures(q: Queryable, email: string): Promise<void> {
  await q.query('DELETE FROM sign_in_failure WHERE email = $1', [email])
}
