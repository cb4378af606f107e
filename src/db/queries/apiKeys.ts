import type { Queryable } from '../db.js'

export type ApiKeyType = 'session' | 'permanent' | 'one_off'

export interface ApiKeyForAuth {
  id: string
  tokenHash: string
  identityId: string
  type: ApiKeyType
  expiresAt: Date | null
  expirationMinutes: number | null
  disabledAt: Date | null
  lastUsedAt: Date | null
  createdAt: Date
  roles: string[]
  identityDescription: string | null
  personId: string | null
  personDisabledAt: Date | null
  /** Believed about its client's address and user agent (X-Contember-Client-IP and -User-Agent). */
  trustForwardedClientInfo: boolean
  /** Seconds unused after which the session ends (an auth policy's idleTimeout); null: never. */
  idleTimeout: number | null
  /** Use never prolongs the session past this (an auth policy's tokenExpiration). */
  maxExpiresAt: Date | null
}

/** The hot path of every request: one indexed look-up by the token's hash. */
export async function selectApiKeyForAuth(q: Queryable, tokenHash: string): Promise<ApiKeyForAuth | null> {
  const { rows } = await q.query<ApiKeyForAuth>(
    `SELECT k.id, k.token_hash AS "tokenHash", k.identity_id AS "identityId", k.type,
            k.expires_at AS "expiresAt", k.expiration_minutes AS "expirationMinutes",
            k.disabled_at AS "disabledAt", k.last_used_at AS "lastUsedAt", k.created_at AS "createdAt",
            k.trust_forwarded_client_info AS "trustForwardedClientInfo", k.idle_timeout AS "idleTimeout", k.max_expires_at AS "maxExpiresAt", i.roles, i.description AS "identityDescription", p.id AS "personId", p.disabled_at AS "personDisabledAt"
       FROM api_key k
       JOIN identity i ON i.id = k.identity_id
       LEFT JOIN person p ON p.identity_id = k.identity_id
      WHERE k.token_hash = $1`, [tokenHash])
  return rows[0] ?? null
}

export async function insertApiKey(q: Queryable, key: {
  identityId: string
  type: ApiKeyType
  tokenHash: string
  description?: string | null
  expirationMinutes?: number | null
  expiresAt?: Date | null
  createdAt: Date
  /** Where a session was signed in from. */
  client?: { ip: string | null; userAgent: string | null }
  trustForwardedClientInfo?: boolean
  idleTimeout?: number | null
  maxExpiresAt?: Date | null
  /** A session signed in through an identity provider, and the ID token it gave (sealed). */
  identityProviderId?: string | null
  idpIdTokenSealed?: string | null
}): Promise<{ id: string }> {
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO api_key (identity_id, type, token_hash, description, expiration_minutes, expires_at, created_at, created_ip, created_user_agent,
                          trust_forwarded_client_info, idle_timeout, max_expires_at, identity_provider_id, idp_id_token_sealed)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
    [key.identityId, key.type, key.tokenHash, key.description ?? null, key.expirationMinutes ?? null,
      key.expiresAt ?? null, key.createdAt, key.client?.ip ?? null, key.client?.userAgent ?? null, key.trustForwardedClientInfo ?? false,
      key.idleTimeout ?? null, key.maxExpiresAt ?? null, key.identityProviderId ?? null, key.idpIdTokenSealed ?? null])
  return rows[0]!
}

export async function updateApiKeyTokenHash(q: Queryable, id: string, tokenHash: string): Promise<void> {
  await q.query('UPDATE api_key SET token_hash = $2, disabled_at = NULL WHERE id = $1', [id, tokenHash])
}

/**
 * Records use of a key (and where from, when known) and, for keys with an expiration (sessions),
 * moves the expiry forward. Only writes when the last recorded use is older than `notBefore`, so
 * a busy key costs one write per interval, and concurrent nodes do not both write.
 */
export async function touchApiKey(q: Queryable, id: string, at: Date, notBefore: Date, client: { ip: string | null; userAgent: string | null } | null = null): Promise<void> {
  await q.query(
    `UPDATE api_key
        SET last_used_at = $2,
            expires_at = CASE WHEN expiration_minutes IS NULL THEN expires_at
                              ELSE least($2::timestamptz + expiration_minutes * interval '1 minute', max_expires_at) END,
            last_ip = coalesce($4, last_ip),
            last_user_agent = coalesce($5, last_user_agent)
      WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)`, [id, at, notBefore, client?.ip ?? null, client?.userAgent ?? null])
}

/**
 * Ends a session left unused since before `idleSince`, unless a use was recorded since (by
 * another node, say). True when this call ended it.
 */
export async function disableIdleSession(q: Queryable, id: string, idleSince: Date, at: Date): Promise<boolean> {
  const { rowCount } = await q.query(
    'UPDATE api_key SET disabled_at = $3 WHERE id = $1 AND disabled_at IS NULL AND coalesce(last_used_at, created_at) < $2', [id, idleSince, at])
  return rowCount > 0
}

/** The identity provider a session was signed in through, with its sealed ID token; null for other sessions. */
export async function selectSessionIdp(q: Queryable, id: string): Promise<{ identityProviderId: string; idTokenSealed: string | null } | null> {
  const { rows } = await q.query<{ identityProviderId: string; idTokenSealed: string | null }>(
    `SELECT identity_provider_id AS "identityProviderId", idp_id_token_sealed AS "idTokenSealed"
       FROM api_key WHERE id = $1 AND identity_provider_id IS NOT NULL`, [id])
  return rows[0] ?? null
}

/** Ends one key; false when it was already disabled. */
export async function setApiKeyDisabled(q: Queryable, id: string, at: Date): Promise<boolean> {
  const { rowCount } = await q.query('UPDATE api_key SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL', [id, at])
  return rowCount > 0
}

/** Ends every live session of an identity (sign out everywhere), but `exceptKeyId` when given. */
export async function disableSessionsOfIdentity(q: Queryable, identityId: string, at: Date, exceptKeyId: string | null = null): Promise<number> {
  const { rowCount } = await q.query(
    `UPDATE api_key SET disabled_at = $2
      WHERE identity_id = $1 AND type = 'session' AND disabled_at IS NULL AND ($3::uuid IS NULL OR id <> $3)`,
    [identityId, at, exceptKeyId])
  return rowCount
}

export interface ApiKeyRow {
  id: string
  identityId: string
  type: ApiKeyType
  description: string | null
  disabledAt: Date | null
  createdAt: Date
  lastUsedAt: Date | null
  expiresAt: Date | null
}

const apiKeyColumns = `k.id, k.identity_id AS "identityId", k.type, k.description, k.disabled_at AS "disabledAt",
  k.created_at AS "createdAt", k.last_used_at AS "lastUsedAt", k.expires_at AS "expiresAt"`

export async function selectApiKeyById(q: Queryable, id: string): Promise<(ApiKeyRow & { tokenHash: string }) | null> {
  const { rows } = await q.query<ApiKeyRow & { tokenHash: string }>(
    `SELECT ${apiKeyColumns}, k.token_hash AS "tokenHash" FROM api_key k WHERE k.id = $1`, [id])
  return rows[0] ?? null
}

/** Keys of application identities (no person) that are members of the project. */
export async function selectProjectApiKeys(q: Queryable, projectId: string): Promise<ApiKeyRow[]> {
  const { rows } = await q.query<ApiKeyRow>(
    `SELECT ${apiKeyColumns} FROM api_key k
      WHERE k.type <> 'session'
        AND EXISTS (SELECT 1 FROM project_membership m WHERE m.identity_id = k.identity_id AND m.project_id = $1)
        AND NOT EXISTS (SELECT 1 FROM person p WHERE p.identity_id = k.identity_id)
      ORDER BY k.created_at, k.id`, [projectId])
  return rows
}

/** Permanent keys of application identities that hold global roles (not the special tokens). */
export async function selectGlobalApiKeys(q: Queryable): Promise<ApiKeyRow[]> {
  const { rows } = await q.query<ApiKeyRow>(
    `SELECT ${apiKeyColumns} FROM api_key k JOIN identity i ON i.id = k.identity_id
      WHERE k.type = 'permanent' AND cardinality(i.roles) > 0
        AND NOT EXISTS (SELECT 1 FROM person p WHERE p.identity_id = k.identity_id)
        AND NOT EXISTS (SELECT 1 FROM bootstrap_key b WHERE b.api_key_id = k.id)
      ORDER BY k.created_at, k.id`)
  return rows
}

/** The key of an application identity (one identity per key), for Identity.apiKey. */
export async function selectApiKeysOfIdentities(q: Queryable, identityIds: readonly string[]): Promise<ApiKeyRow[]> {
  const { rows } = await q.query<ApiKeyRow>(
    `SELECT DISTINCT ON (k.identity_id) ${apiKeyColumns} FROM api_key k
      WHERE k.identity_id = ANY($1::uuid[]) AND k.type <> 'session'
      ORDER BY k.identity_id, k.created_at`, [identityIds])
  return rows
}

export interface SessionRow {
  id: string
  identityId: string
  createdAt: Date
  expiresAt: Date | null
  lastUsedAt: Date | null
  lastIp: string | null
  lastUserAgent: string | null
  createdIp: string | null
  createdUserAgent: string | null
  trustForwardedClientInfo: boolean
}

/** The live sessions (not disabled, not expired at `now`) of the given identities, last used first. */
export async function selectLiveSessions(q: Queryable, identityIds: readonly string[], now: Date): Promise<SessionRow[]> {
  const { rows } = await q.query<SessionRow>(
    `SELECT k.id, k.identity_id AS "identityId", k.created_at AS "createdAt", k.expires_at AS "expiresAt", k.last_used_at AS "lastUsedAt",
            k.last_ip AS "lastIp", k.last_user_agent AS "lastUserAgent", k.created_ip AS "createdIp", k.created_user_agent AS "createdUserAgent",
            k.trust_forwarded_client_info AS "trustForwardedClientInfo"
       FROM api_key k
      WHERE k.identity_id = ANY($1::uuid[]) AND k.type = 'session' AND k.disabled_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > $2)
      ORDER BY k.last_used_at DESC NULLS LAST, k.created_at DESC, k.id`, [identityIds, now])
  return rows
}

/** Ends one live session of an identity; its token hash when it was one, else null. */
export async function disableSessionOfIdentity(q: Queryable, identityId: string, sessionId: string, at: Date): Promise<string | null> {
  const { rows } = await q.query<{ tokenHash: string }>(
    `UPDATE api_key SET disabled_at = $3
      WHERE id = $2 AND identity_id = $1 AND type = 'session' AND disabled_at IS NULL AND (expires_at IS NULL OR expires_at > $3)
      RETURNING token_hash AS "tokenHash"`, [identityId, sessionId, at])
  return rows[0]?.tokenHash ?? null
}
