import type { Queryable } from '../db.js'

export type TokenPurpose = 'password_reset' | 'email_verification' | 'email_change' | 'passwordless' | 'email_otp'

export interface PersonTokenRow {
  id: string
  personId: string
  purpose: TokenPurpose
  tokenHash: string
  email: string
  otpHash: string | null
  otpAttempts: number
  createdAt: Date
  expiresAt: Date
  usedAt: Date | null
}

const columns = `id, person_id AS "personId", purpose, token_hash AS "tokenHash", email, otp_hash AS "otpHash",
  otp_attempts AS "otpAttempts", created_at AS "createdAt", expires_at AS "expiresAt", used_at AS "usedAt"`

export async function insertPersonToken(q: Queryable, t: {
  personId: string; purpose: TokenPurpose; tokenHash: string; email: string; at: Date; expiresAt: Date; otpHash?: string
}): Promise<string> {
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO person_token (person_id, purpose, token_hash, email, created_at, expires_at, otp_hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [t.personId, t.purpose, t.tokenHash, t.email, t.at, t.expiresAt, t.otpHash ?? null])
  return rows[0]!.id
}

/** The person's open token of `purpose` (a new one retires the earlier: only the newest mailed code counts). */
export async function selectOpenPersonToken(q: Queryable, personId: string, purpose: TokenPurpose): Promise<PersonTokenRow | null> {
  const { rows } = await q.query<PersonTokenRow>(
    `SELECT ${columns} FROM person_token WHERE person_id = $1 AND purpose = $2 AND used_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1`,
    [personId, purpose])
  return rows[0] ?? null
}

export async function selectPersonTokenByHash(q: Queryable, purpose: TokenPurpose, tokenHash: string): Promise<PersonTokenRow | null> {
  const { rows } = await q.query<PersonTokenRow>(`SELECT ${columns} FROM person_token WHERE token_hash = $1 AND purpose = $2`, [tokenHash, purpose])
  return rows[0] ?? null
}

export async function selectPersonTokenById(q: Queryable, purpose: TokenPurpose, id: string): Promise<PersonTokenRow | null> {
  const { rows } = await q.query<PersonTokenRow>(`SELECT ${columns} FROM person_token WHERE id = $1 AND purpose = $2`, [id, purpose])
  return rows[0] ?? null
}

/**
 * Uses the token: only one caller wins (the row is updated only while unused), so a token
 * cannot be spent twice by two requests at once. Answers whether this call used it.
 */
export async function markPersonTokenUsed(q: Queryable, id: string, at: Date): Promise<boolean> {
  const { rows } = await q.query(`UPDATE person_token SET used_at = $2 WHERE id = $1 AND used_at IS NULL RETURNING id`, [id, at])
  return rows.length > 0
}

/**
 * Reserves one try of the request's code before it is compared, in one statement: concurrent
 * guesses queue on the row and at most `max` are ever compared. False when none is left.
 */
export async function reserveOtpAttempt(q: Queryable, id: string, max: number): Promise<boolean> {
  const { rows } = await q.query(`UPDATE person_token SET otp_attempts = otp_attempts + 1 WHERE id = $1 AND otp_attempts < $2 RETURNING id`, [id, max])
  return rows.length > 0
}

/** The right code was given: its try does not count. */
export async function releaseOtpAttempt(q: Queryable, id: string): Promise<void> {
  await q.query(`UPDATE person_token SET otp_attempts = otp_attempts - 1 WHERE id = $1 AND otp_attempts > 0`, [id])
}

/** Exchanges the long token of a passwordless request for a code the client chose (its sha256). */
export async function setPersonTokenOtp(q: Queryable, id: string, otpHash: string): Promise<void> {
  await q.query(`UPDATE person_token SET otp_hash = $2 WHERE id = $1`, [id, otpHash])
}

/** Every open token of the person for `purpose` stops working (a newer one was issued, or the password changed). */
export async function retirePersonTokens(q: Queryable, personId: string, purpose: TokenPurpose, at: Date): Promise<void> {
  await q.query(`UPDATE person_token SET used_at = $3 WHERE person_id = $1 AND purpose = $2 AND used_at IS NULL`, [personId, purpose, at])
}

/** Drops tokens that expired before `before`. */
export async function prunePersonTokens(q: Queryable, before: Date): Promise<void> {
  await q.query(`DELETE FROM person_token WHERE expires_at < $1`, [before])
}
