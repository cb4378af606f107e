import type { Queryable } from '../db.js'

export interface AuthPolicyRow {
  id: string
  scope: 'global' | 'project'
  projectId: string | null
  projectSlug: string | null
  roles: string[]
  mfaRequired: boolean | null
  /** Seconds. */
  tokenExpiration: number | null
  idleTimeout: number | null
  graceDuration: number | null
  rememberMeAllowed: boolean | null
  createdAt: Date
}

export type AuthPolicyValues = Omit<AuthPolicyRow, 'id' | 'projectSlug' | 'createdAt'>

export async function selectAuthPolicies(q: Queryable): Promise<AuthPolicyRow[]> {
  const { rows } = await q.query<AuthPolicyRow>(
    `SELECT a.id, a.scope, a.project_id AS "projectId", p.slug AS "projectSlug", a.roles, a.mfa_required AS "mfaRequired",
            a.token_expiration AS "tokenExpiration", a.idle_timeout AS "idleTimeout", a.grace_duration AS "graceDuration",
            a.remember_me_allowed AS "rememberMeAllowed", a.created_at AS "createdAt"
       FROM auth_policy a LEFT JOIN project p ON p.id = a.project_id
      ORDER BY a.created_at, a.id`)
  return rows
}

const values = (v: AuthPolicyValues) =>
  [v.scope, v.projectId, v.roles, v.mfaRequired, v.tokenExpiration, v.idleTimeout, v.graceDuration, v.rememberMeAllowed]

export async function insertAuthPolicy(q: Queryable, v: AuthPolicyValues, at: Date): Promise<string> {
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO auth_policy (scope, project_id, roles, mfa_required, token_expiration, idle_timeout, grace_duration, remember_me_allowed, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`, [...values(v), at])
  return rows[0]!.id
}

/** Replaces every field of a policy; false when there is none with the id. */
export async function updateAuthPolicy(q: Queryable, id: string, v: AuthPolicyValues, at: Date): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE auth_policy SET scope = $2, project_id = $3, roles = $4, mfa_required = $5, token_expiration = $6, idle_timeout = $7,
                            grace_duration = $8, remember_me_allowed = $9, updated_at = $10
      WHERE id = $1`, [id, ...values(v), at])
  return rowCount > 0
}

export async function deleteAuthPolicy(q: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await q.query('DELETE FROM auth_policy WHERE id = $1', [id])
  return rowCount > 0
}

/** The roles an identity holds in each of the given projects (its own memberships). */
export async function selectProjectRoles(q: Queryable, identityId: string, projectIds: readonly string[]): Promise<{ projectId: string; role: string }[]> {
  const { rows } = await q.query<{ projectId: string; role: string }>(
    'SELECT project_id AS "projectId", role FROM project_membership WHERE identity_id = $1 AND project_id = ANY($2::uuid[])', [identityId, projectIds])
  return rows
}
