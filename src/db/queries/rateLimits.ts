import type { Queryable } from '../db.js'

/** A fixed-window counter per action and key (an email, a client address). */
const WINDOWS = {
  email: { table: 'email_rate_limit', key: 'email' },
  ip: { table: 'ip_rate_limit', key: 'ip' },
} as const

/**
 * Reserves one request of `action` for `key` in a fixed window, in one statement: a new window
 * starts when the last one is over. Answers whether the request is within `limit`, and when the
 * window ends. Counted before any work (for an email: whether or not a person has it, so the
 * answer reveals nothing).
 */
export async function reserveWindowedRequest(q: Queryable, by: keyof typeof WINDOWS, action: string, key: string, at: Date, windowMs: number, limit: number):
    Promise<{ allowed: boolean; windowEnds: Date }> {
  const { table, key: column } = WINDOWS[by]
  const over = `r.window_start <= $3::timestamptz - $4 * interval '1 millisecond'`
  const { rows } = await q.query<{ count: number; windowStart: Date }>(
    `INSERT INTO ${table} AS r (action, ${column}, window_start, count) VALUES ($1, $2, $3, 1)
     ON CONFLICT (action, ${column}) DO UPDATE SET
       count = CASE WHEN ${over} THEN 1 ELSE r.count + 1 END,
       window_start = CASE WHEN ${over} THEN $3 ELSE r.window_start END
     RETURNING count, window_start AS "windowStart"`, [action, key, at, windowMs])
  const row = rows[0]!
  return { allowed: row.count <= limit, windowEnds: new Date(row.windowStart.getTime() + windowMs) }
}

/** The email flows' limit (model/mail/anonymousFlows.ts). */
export async function reserveEmailRequest(q: Queryable, action: string, email: string, at: Date, windowMs: number, limit: number): Promise<boolean> {
  return (await reserveWindowedRequest(q, 'email', action, email, at, windowMs, limit)).allowed
}

/** Drops windows that started before `before`. */
export async function pruneEmailRequests(q: Queryable, before: Date): Promise<void> {
  await q.query(`DELETE FROM email_rate_limit WHERE window_start < $1`, [before])
}

export async function pruneIpRequests(q: Queryable, before: Date): Promise<void> {
  await q.query(`DELETE FROM ip_rate_limit WHERE window_start < $1`, [before])
}
