import type { Queryable } from '../db.js'

export interface PersonRow {
  id: string
  identityId: string
  email: string | null
  name: string | null
  otpEnabled: boolean
  /** Sign-in asks for a code mailed to the person. */
  emailOtpEnabled: boolean
  /** The person's own passwordless choice; null: the `passwordless.enabled` policy decides. */
  passwordlessEnabled: boolean | null
  emailVerified: boolean
}

/** What sign-in and credential changes need besides the public fields. */
export interface PersonCredentials extends PersonRow {
  passwordHash: string | null
  disabledAt: Date | null
  /** The active TOTP secret (sealed); null unless TOTP is on. */
  otpSecretEncrypted: string | null
  otpActivatedAt: Date | null
  otpLastTimeStep: number | null
  /** A set-up prepareOtp made and confirmOtp has not confirmed yet (sealed). */
  otpPendingSecretEncrypted: string | null
  mfaGraceUntil: Date | null
  emailVerificationRequired: boolean
  roles: string[]
}

/** The public part of a person: what may leave a use case towards a response. */
export const publicPerson = (p: PersonCredentials): PersonRow => ({
  id: p.id, identityId: p.identityId, email: p.email, name: p.name, otpEnabled: p.otpEnabled, emailOtpEnabled: p.emailOtpEnabled,
  passwordlessEnabled: p.passwordlessEnabled, emailVerified: p.emailVerified,
})

const publicColumns = `p.id, p.identity_id AS "identityId", p.email, p.name, p.otp_activated_at IS NOT NULL AS "otpEnabled",
  p.email_otp_enabled AS "emailOtpEnabled",
  p.passwordless_enabled AS "passwordlessEnabled", p.email_verified_at IS NOT NULL AS "emailVerified"`
const credentialColumns = `${publicColumns}, p.password_hash AS "passwordHash", p.disabled_at AS "disabledAt",
  p.otp_secret_encrypted AS "otpSecretEncrypted", p.otp_activated_at AS "otpActivatedAt",
  p.otp_last_time_step AS "otpLastTimeStep", p.email_verification_required AS "emailVerificationRequired", i.roles,
  p.otp_pending_secret_encrypted AS "otpPendingSecretEncrypted", p.mfa_grace_until AS "mfaGraceUntil"`

export async function selectPersonsByIds(q: Queryable, ids: readonly string[]): Promise<PersonRow[]> {
  const { rows } = await q.query<PersonRow>(`SELECT ${publicColumns} FROM person p WHERE p.id = ANY($1::uuid[])`, [ids])
  return rows
}

export async function selectPersonCredentials(q: Queryable, by: { email: string } | { id: string } | { identityId: string }): Promise<PersonCredentials | null> {
  const [column, value] = 'email' in by ? ['p.email', by.email] : 'id' in by ? ['p.id', by.id] : ['p.identity_id', by.identityId]
  const { rows } = await q.query<PersonCredentials>(
    `SELECT ${credentialColumns} FROM person p JOIN identity i ON i.id = p.identity_id
      WHERE ${column} = $1`, [value])
  return rows[0] ?? null
}

export interface PersonsFilter {
  email?: string | null
  personId?: string | null
  identityId?: string | null
}

export async function selectPersons(q: Queryable, filter: PersonsFilter, limit: number, offset: number): Promise<PersonRow[]> {
  const { rows } = await q.query<PersonRow>(
    `SELECT ${publicColumns} FROM person p
      WHERE ($1::text IS NULL OR p.email = $1)
        AND ($2::uuid IS NULL OR p.id = $2)
        AND ($3::uuid IS NULL OR p.identity_id = $3)
      ORDER BY p.created_at, p.id
      LIMIT $4 OFFSET $5`,
    [filter.email ?? null, filter.personId ?? null, filter.identityId ?? null, limit, offset])
  return rows
}

export async function insertPerson(q: Queryable, person: {
  identityId: string; email: string | null; name: string | null; passwordHash: string | null; createdAt: Date; emailVerificationRequired?: boolean
}): Promise<PersonRow> {
  const { rows } = await q.query<PersonRow>(
    `INSERT INTO person AS p (identity_id, email, name, password_hash, created_at, email_verification_required) VALUES ($1, $2, $3, $4, $5, $6)
     RETURNING ${publicColumns}`,
    [person.identityId, person.email, person.name, person.passwordHash, person.createdAt, person.emailVerificationRequired ?? false])
  return rows[0]!
}

export async function updatePersonPasswordHash(q: Queryable, id: string, passwordHash: string): Promise<void> {
  await q.query('UPDATE person SET password_hash = $2 WHERE id = $1', [id, passwordHash])
}

/** A changed address is not verified (whoever proves it next marks it). */
export async function updatePersonProfile(q: Queryable, id: string, changes: { email?: string; name?: string | null }): Promise<void> {
  await q.query(
    `UPDATE person SET email = CASE WHEN $2 THEN $3 ELSE email END, name = CASE WHEN $4 THEN $5 ELSE name END,
       email_verified_at = CASE WHEN $2 AND email IS DISTINCT FROM $3 THEN NULL ELSE email_verified_at END
     WHERE id = $1`,
    [id, changes.email !== undefined, changes.email ?? null, changes.name !== undefined, changes.name ?? null])
}

/** Returns false when the person was already disabled (nothing changes then). */
export async function setPersonDisabled(q: Queryable, id: string, at: Date): Promise<boolean> {
  const { rowCount } = await q.query('UPDATE person SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL', [id, at])
  return rowCount > 0
}

/** Puts a new TOTP set-up in the pending slot; the active secret, if any, stays in force. */
export async function setPendingOtp(q: Queryable, id: string, secretEncrypted: string, at: Date): Promise<void> {
  await q.query('UPDATE person SET otp_pending_secret_encrypted = $2, otp_pending_created_at = $3 WHERE id = $1', [id, secretEncrypted, at])
}

/**
 * Makes the pending set-up the active one, only if it is still the one given (a concurrent
 * prepareOtp or confirmation wins otherwise). False when it was not.
 */
export async function activatePendingOtp(q: Queryable, id: string, secretEncrypted: string, at: Date): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE person SET otp_secret_encrypted = otp_pending_secret_encrypted, otp_activated_at = $3, otp_last_time_step = NULL,
                       otp_pending_secret_encrypted = NULL, otp_pending_created_at = NULL
      WHERE id = $1 AND otp_pending_secret_encrypted = $2`, [id, secretEncrypted, at])
  return rowCount > 0
}

/** Forgets the active and the pending TOTP secret. */
export async function clearOtp(q: Queryable, id: string): Promise<void> {
  await q.query(
    `UPDATE person SET otp_secret_encrypted = NULL, otp_activated_at = NULL, otp_last_time_step = NULL,
                       otp_pending_secret_encrypted = NULL, otp_pending_created_at = NULL WHERE id = $1`, [id])
}

export async function setEmailOtpEnabled(q: Queryable, id: string, enabled: boolean): Promise<void> {
  await q.query('UPDATE person SET email_otp_enabled = $2 WHERE id = $1', [id, enabled])
}

/** Opens the person's MFA grace period (auth policies), unless one was opened already. */
export async function openMfaGrace(q: Queryable, id: string, until: Date): Promise<void> {
  await q.query('UPDATE person SET mfa_grace_until = $2 WHERE id = $1 AND mfa_grace_until IS NULL', [id, until])
}

/** resetPersonMfa: no TOTP, no email OTP, and a new grace period may open. */
export async function resetPersonMfaColumns(q: Queryable, id: string): Promise<void> {
  await clearOtp(q, id)
  await q.query('UPDATE person SET email_otp_enabled = false, mfa_grace_until = NULL WHERE id = $1', [id])
}

/** Records an accepted TOTP step; false when that step (or a later one) was already used. */
export async function claimOtpTimeStep(q: Queryable, id: string, step: number): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE person SET otp_last_time_step = $2 WHERE id = $1 AND (otp_last_time_step IS NULL OR otp_last_time_step < $2)`, [id, step])
  return rowCount > 0
}

/** The person showed they read mail at their address (a mailed token came back). */
export async function markEmailVerified(q: Queryable, id: string, at: Date): Promise<void> {
  await q.query('UPDATE person SET email_verified_at = coalesce(email_verified_at, $2) WHERE id = $1', [id, at])
}

export async function setPersonPasswordless(q: Queryable, id: string, enabled: boolean): Promise<void> {
  await q.query('UPDATE person SET passwordless_enabled = $2 WHERE id = $1', [id, enabled])
}
