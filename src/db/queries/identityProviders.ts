import type { Queryable } from '../db.js'

export interface IdentityProviderRow {
  id: string
  slug: string
  type: string
  /** Without secrets. */
  configuration: Record<string, unknown>
  secretsSealed: string | null
  disabledAt: Date | null
  autoSignUp: boolean
  exclusive: boolean
  initReturnsConfig: boolean
  requireVerifiedEmail: boolean
  assumeEmailVerified: boolean
  /** Last added or changed by a super admin; otherwise it reaches only persons a project admin could act on. */
  writtenBySuperAdmin: boolean
}

export type IdentityProviderOptions = Pick<IdentityProviderRow, 'autoSignUp' | 'exclusive' | 'initReturnsConfig' | 'requireVerifiedEmail' | 'assumeEmailVerified'>

const columns = `id, slug, type, configuration, secrets_sealed AS "secretsSealed", disabled_at AS "disabledAt",
  auto_sign_up AS "autoSignUp", exclusive, init_returns_config AS "initReturnsConfig",
  require_verified_email AS "requireVerifiedEmail", assume_email_verified AS "assumeEmailVerified",
  written_by_super_admin AS "writtenBySuperAdmin"`

export async function selectIdentityProviders(q: Queryable): Promise<IdentityProviderRow[]> {
  const { rows } = await q.query<IdentityProviderRow>(`SELECT ${columns} FROM identity_provider ORDER BY created_at, slug`)
  return rows
}

export async function selectIdentityProvider(q: Queryable, slug: string, forUpdate = false): Promise<IdentityProviderRow | null> {
  const { rows } = await q.query<IdentityProviderRow>(`SELECT ${columns} FROM identity_provider WHERE slug = $1${forUpdate ? ' FOR UPDATE' : ''}`, [slug])
  return rows[0] ?? null
}

export async function insertIdentityProvider(q: Queryable, p: Omit<IdentityProviderRow, 'id' | 'disabledAt'>, at: Date): Promise<string> {
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO identity_provider (slug, type, configuration, secrets_sealed, auto_sign_up, exclusive, init_returns_config,
                                    require_verified_email, assume_email_verified, written_by_super_admin, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
    [p.slug, p.type, JSON.stringify(p.configuration), p.secretsSealed, p.autoSignUp, p.exclusive, p.initReturnsConfig,
      p.requireVerifiedEmail, p.assumeEmailVerified, p.writtenBySuperAdmin, at])
  return rows[0]!.id
}

export async function updateIdentityProvider(q: Queryable, id: string, p: Omit<IdentityProviderRow, 'id' | 'slug' | 'disabledAt'>): Promise<void> {
  await q.query(
    `UPDATE identity_provider SET type = $2, configuration = $3, secrets_sealed = $4, auto_sign_up = $5, exclusive = $6,
            init_returns_config = $7, require_verified_email = $8, assume_email_verified = $9, written_by_super_admin = $10
      WHERE id = $1`,
    [id, p.type, JSON.stringify(p.configuration), p.secretsSealed, p.autoSignUp, p.exclusive, p.initReturnsConfig,
      p.requireVerifiedEmail, p.assumeEmailVerified, p.writtenBySuperAdmin])
}

export async function setIdentityProviderDisabled(q: Queryable, id: string, at: Date | null): Promise<void> {
  await q.query('UPDATE identity_provider SET disabled_at = $2 WHERE id = $1', [id, at])
}

export interface PersonIdentityProviderRow {
  id: string
  personId: string
  externalIdentifier: string
  createdAt: Date
  identityProviderId: string
  slug: string
  type: string
  disabledAt: Date | null
  exclusive: boolean
}

const linkColumns = `l.id, l.person_id AS "personId", l.external_identifier AS "externalIdentifier", l.created_at AS "createdAt",
  l.identity_provider_id AS "identityProviderId", p.slug, p.type, p.disabled_at AS "disabledAt", p.exclusive`

export async function selectLinksOfPersons(q: Queryable, personIds: readonly string[]): Promise<PersonIdentityProviderRow[]> {
  const { rows } = await q.query<PersonIdentityProviderRow>(
    `SELECT ${linkColumns} FROM person_identity_provider l JOIN identity_provider p ON p.id = l.identity_provider_id
      WHERE l.person_id = ANY($1::uuid[]) ORDER BY l.created_at, l.id`, [personIds])
  return rows
}

/** The person a provider's subject is, if any. */
export async function selectLinkedPersonId(q: Queryable, providerId: string, externalIdentifier: string): Promise<string | null> {
  const { rows } = await q.query<{ personId: string }>(
    'SELECT person_id AS "personId" FROM person_identity_provider WHERE identity_provider_id = $1 AND external_identifier = $2',
    [providerId, externalIdentifier])
  return rows[0]?.personId ?? null
}

export async function insertLink(q: Queryable, personId: string, providerId: string, externalIdentifier: string, at: Date): Promise<void> {
  await q.query(
    `INSERT INTO person_identity_provider (person_id, identity_provider_id, external_identifier, created_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (identity_provider_id, external_identifier) DO NOTHING`, [personId, providerId, externalIdentifier, at])
}

export async function deleteLink(q: Queryable, id: string): Promise<void> {
  await q.query('DELETE FROM person_identity_provider WHERE id = $1', [id])
}

/** An enabled exclusive provider the person is connected to (they sign in only through it), if any. */
export async function selectExclusiveProviderOf(q: Queryable, personId: string): Promise<string | null> {
  const { rows } = await q.query<{ slug: string }>(
    `SELECT p.slug FROM person_identity_provider l JOIN identity_provider p ON p.id = l.identity_provider_id
      WHERE l.person_id = $1 AND p.exclusive AND p.disabled_at IS NULL LIMIT 1`, [personId])
  return rows[0]?.slug ?? null
}
