import type { Queryable } from '../db.js'

/**
 * Reserves one request of `action` for `email` in a fixed window, in one statement: a new
 * window starts when the last one is over. Answers whether the request is within `limit`.
 * Counted before any work, whether or not a person has the email (so the answer reveals nothing).
 */
export async function reserveEmailRequest(q: Queryable, action: string, email: string, at: Date, windowMs: number, limit: number): Promise<boolean> {
  const over = `r.window_start <= $3::timestamptz - $4 * interval '1 millisecond'`
  const { rows } = await q.query<{ count: number }>(
    `INSERT INTO email_rate_limit AS r (action, email, window_start, count) VALUES ($1, $2, $3, 1)
     ON CONFLICT (action, email) DO UPDATE SET
       count = CASE WHEN ${over} THEN 1 ELSE r.count + 1 END,
       window_start = CASE WHEN ${over} THEN $3 ELSE r.window_start END
     RETURNING count`, [action, email, at, windowMs])
  return rows[0]!.count <= limit
}

/** Drops windows that ended before `before`. */
export async function pruneEmailRequests(q: Queryable, before: Date): Promise<void> {
  await q.query(`DELETE FROM email_rate_limit WHERE window_start < $1`, [before])
}
