import type { Queryable } from '../db.js'

export interface SignInFailure {
  failures: number
  firstFailedAt: Date
  lastFailedAt: Date
}

export interface BackoffSettings {
  baseBackoff: number
  maxBackoff: number
  attemptWindow: number
}

export async function selectSignInFailure(q: Queryable, email: string): Promise<SignInFailure | null> {
  const { rows } = await q.query<SignInFailure>(
    `SELECT failures, first_failed_at AS "firstFailedAt", last_failed_at AS "lastFailedAt"
       FROM sign_in_failure WHERE email = $1`, [email])
  return rows[0] ?? null
}

/**
 * Reserves one attempt for `email` before its password (or code) is checked: the attempt is
 * counted as a failure up front, in one statement, and only when the back-off allows an attempt
 * now. Concurrent guesses therefore queue on the row: the first one in a back-off step gets
 * through, the others are refused without any costly check. A good sign-in deletes the row.
 * Answers null when the attempt must wait (the row is left as it was), else the time of the
 * failure before this one, for releaseSignInAttempt.
 */
export async function reserveSignInAttempt(q: Queryable, email: string, at: Date, backoff: BackoffSettings): Promise<{ previous: Date | null } | null> {
  // quiet: the last failure is older than the window, so counting starts again.
  const quiet = `f.last_failed_at <= $2::timestamptz - $3 * interval '1 second'`
  const { rows } = await q.query<{ previous: Date | null }>(
    `WITH before AS (SELECT last_failed_at FROM sign_in_failure WHERE email = $1)
     INSERT INTO sign_in_failure AS f (email, failures, first_failed_at, last_failed_at) VALUES ($1, 1, $2, $2)
     ON CONFLICT (email) DO UPDATE SET
       failures = CASE WHEN ${quiet} THEN 1 ELSE f.failures + 1 END,
       first_failed_at = CASE WHEN ${quiet} THEN $2 ELSE f.first_failed_at END,
       last_failed_at = $2
     WHERE ${quiet}
        OR f.last_failed_at + least($4 * power(2, least(f.failures - 1, 30)), $5) * interval '1 second' <= $2::timestamptz
     RETURNING (SELECT last_failed_at FROM before) AS previous`,
    [email, at, backoff.attemptWindow, backoff.baseBackoff, backoff.maxBackoff])
  return rows[0] ?? null
}

/**
 * Gives back one reserved attempt: the counter goes down by one (the row away at zero) and the
 * last failure is again the one before the reservation, so the attempt leaves no trace.
 */
export async function releaseSignInAttempt(q: Queryable, email: string, previous: Date | null): Promise<void> {
  await q.query(
    `WITH gone AS (DELETE FROM sign_in_failure WHERE email = $1 AND failures <= 1 RETURNING 1)
     UPDATE sign_in_failure SET failures = failures - 1, last_failed_at = coalesce($2, last_failed_at)
      WHERE email = $1 AND failures > 1`, [email, previous])
}

export async function deleteSignInFailures(q: Queryable, email: string): Promise<void> {
  await q.query('DELETE FROM sign_in_failure WHERE email = $1', [email])
}

/** Forgets counters nobody has touched since `before` (they no longer delay anything). */
export async function pruneSignInFailures(q: Queryable, before: Date): Promise<number> {
  const { rowCount } = await q.query('DELETE FROM sign_in_failure WHERE last_failed_at < $1', [before])
  return rowCount
}
