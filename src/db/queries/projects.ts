import type { Queryable } from '../db.js'

export interface ProjectRow {
  id: string
  slug: string
  name: string
  config: Record<string, unknown>
}

const columns = 'p.id, p.slug, p.name, p.config'

export async function insertProject(q: Queryable, project: { slug: string; name: string; config: unknown; at: Date }): Promise<ProjectRow> {
  const { rows } = await q.query<ProjectRow>(
    `INSERT INTO project AS p (slug, name, config, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING ${columns}`,
    [project.slug, project.name, JSON.stringify(project.config ?? {}), project.at])
  return rows[0]!
}

export async function selectProjectBySlug(q: Queryable, slug: string, forUpdate = false): Promise<ProjectRow | null> {
  const { rows } = await q.query<ProjectRow>(`SELECT ${columns} FROM project p WHERE p.slug = $1${forUpdate ? ' FOR UPDATE' : ''}`, [slug])
  return rows[0] ?? null
}

export async function selectProjectsByIds(q: Queryable, ids: readonly string[]): Promise<ProjectRow[]> {
  const { rows } = await q.query<ProjectRow>(`SELECT ${columns} FROM project p WHERE p.id = ANY($1::uuid[])`, [ids])
  return rows
}

/** All projects, or (with an identity) those it is a member of; by slug. */
export async function selectProjects(q: Queryable, memberIdentityId: string | null): Promise<ProjectRow[]> {
  const { rows } = await q.query<ProjectRow>(
    `SELECT ${columns} FROM project p
      WHERE $1::uuid IS NULL OR EXISTS (SELECT 1 FROM project_membership m WHERE m.project_id = p.id AND m.identity_id = $1)
      ORDER BY p.slug`, [memberIdentityId])
  return rows
}

export async function updateProjectRow(q: Queryable, id: string, changes: { name?: string; config?: unknown }, at: Date): Promise<void> {
  await q.query(
    `UPDATE project SET name = coalesce($2, name), config = coalesce($3::jsonb, config), updated_at = $4 WHERE id = $1`,
    [id, changes.name ?? null, changes.config === undefined ? null : JSON.stringify(changes.config), at])
}

export interface ProjectSecretInfo {
  key: string
  createdAt: Date
  updatedAt: Date
}

export async function upsertProjectSecret(q: Queryable, projectId: string, key: string, sealed: string, at: Date): Promise<void> {
  await q.query(
    `INSERT INTO project_secret (project_id, key, value_encrypted, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
     ON CONFLICT (project_id, key) DO UPDATE SET value_encrypted = EXCLUDED.value_encrypted, updated_at = EXCLUDED.updated_at`,
    [projectId, key, sealed, at])
}

/** Keys and timestamps only: values never leave the database through the API. */
export async function selectProjectSecretInfos(q: Queryable, projectId: string): Promise<ProjectSecretInfo[]> {
  const { rows } = await q.query<ProjectSecretInfo>(
    `SELECT key, created_at AS "createdAt", updated_at AS "updatedAt" FROM project_secret WHERE project_id = $1 ORDER BY key`, [projectId])
  return rows
}
