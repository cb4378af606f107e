import type { Queryable } from '../db.js'

/** A role an identity holds in a project, with the values of the role's variables. */
export interface Membership {
  role: string
  variables: readonly { name: string; values: readonly string[] }[]
}

export interface IdentityMemberships {
  projectId: string
  identityId: string
  memberships: Membership[]
}

/**
 * Memberships of identities in projects, with their variables, grouped per (project, identity).
 * Either list may be null for "any".
 */
export async function selectMemberships(q: Queryable, filter: { projectIds?: readonly string[] | null; identityIds?: readonly string[] | null }):
    Promise<IdentityMemberships[]> {
  const { rows } = await q.query<{ projectId: string; identityId: string; role: string; variables: { name: string; values: string[] }[] }>(
    `SELECT m.project_id AS "projectId", m.identity_id AS "identityId", m.role,
            coalesce(json_agg(json_build_object('name', v.variable, 'values', v."values") ORDER BY v.variable)
                     FILTER (WHERE v.id IS NOT NULL), '[]') AS variables
       FROM project_membership m
       LEFT JOIN project_membership_variable v ON v.membership_id = m.id
      WHERE ($1::uuid[] IS NULL OR m.project_id = ANY($1::uuid[]))
        AND ($2::uuid[] IS NULL OR m.identity_id = ANY($2::uuid[]))
      GROUP BY m.id
      ORDER BY m.project_id, m.identity_id, m.role`,
    [filter.projectIds ?? null, filter.identityIds ?? null])
  const groups = new Map<string, IdentityMemberships>()
  for (const row of rows) {
    const key = `${row.projectId}/${row.identityId}`
    let group = groups.get(key)
    if (!group) groups.set(key, group = { projectId: row.projectId, identityId: row.identityId, memberships: [] })
    group.memberships.push({ role: row.role, variables: row.variables })
  }
  return [...groups.values()]
}

export async function insertMemberships(q: Queryable, projectId: string, identityId: string, memberships: readonly Membership[], at: Date): Promise<void> {
  for (const membership of memberships) {
    const { rows } = await q.query<{ id: string }>(
      'INSERT INTO project_membership (project_id, identity_id, role, created_at) VALUES ($1, $2, $3, $4) RETURNING id',
      [projectId, identityId, membership.role, at])
    for (const variable of membership.variables) {
      await q.query('INSERT INTO project_membership_variable (membership_id, variable, "values") VALUES ($1, $2, $3)',
        [rows[0]!.id, variable.name, [...new Set(variable.values)]])
    }
  }
}

/** Removes an identity's memberships in a project: all of them, or those of the given roles. */
export async function deleteMemberships(q: Queryable, projectId: string, identityId: string, roles?: readonly string[]): Promise<number> {
  const { rowCount } = await q.query(
    'DELETE FROM project_membership WHERE project_id = $1 AND identity_id = $2 AND ($3::text[] IS NULL OR role = ANY($3::text[]))',
    [projectId, identityId, roles ?? null])
  return rowCount
}

export interface MemberFilter {
  memberType?: 'API_KEY' | 'PERSON' | null
  email?: readonly string[] | null
  identityId?: readonly string[] | null
  personId?: readonly string[] | null
}

/**
 * Identities with a membership in the project, oldest membership first; `page` cuts the list
 * in the database (a project may have hundreds of thousands of members).
 */
export async function selectMemberIdentityIds(q: Queryable, projectId: string, filter: MemberFilter,
    page: { limit: number | null; offset: number } = { limit: null, offset: 0 }): Promise<string[]> {
  // Walks the project's memberships in order (project_membership_order_idx) and keeps each
  // identity's first one, so a page stops after its rows instead of grouping them all. Ties
  // (memberships made in one transaction) go to the smallest id, as min() would pick one.
  const { rows } = await q.query<{ identityId: string }>(
    `SELECT m.identity_id AS "identityId"
       FROM project_membership m
       LEFT JOIN person p ON p.identity_id = m.identity_id
      WHERE m.project_id = $1
        AND NOT EXISTS (
          SELECT 1 FROM project_membership e
           WHERE e.project_id = m.project_id AND e.identity_id = m.identity_id
             AND (e.created_at, e.id) < (m.created_at, m.id))
        AND ($2::text IS NULL OR ($2 = 'PERSON') = (p.id IS NOT NULL))
        AND ($3::text[] IS NULL OR p.email = ANY($3::text[]))
        AND ($4::uuid[] IS NULL OR m.identity_id = ANY($4::uuid[]))
        AND ($5::uuid[] IS NULL OR p.id = ANY($5::uuid[]))
      ORDER BY m.created_at, m.identity_id
      LIMIT $6 OFFSET $7`,
    [projectId, filter.memberType ?? null, filter.email ?? null, filter.identityId ?? null, filter.personId ?? null, page.limit, page.offset])
  return rows.map((r) => r.identityId)
}
