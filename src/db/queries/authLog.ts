import type { Queryable } from '../db.js'

export interface AuthLogInsert {
  type: string
  success: boolean
  invokedByIdentityId: string | null
  personId?: string | null
  targetPersonId?: string | null
  personInputIdentifier?: string | null
  errorCode?: string | null
  errorMessage?: string | null
  ipAddress: string | null
  userAgent: string | null
  geoCountry?: string | null
  identityProviderId?: string | null
  metadata?: Record<string, unknown>
  eventData?: unknown
  at: Date
}

// Half a surrogate pair (a value cut at a fixed length may end in one) is stored as U+FFFD, since json cannot hold it.
const text = (value: string | null | undefined) => (value == null ? null : value.toWellFormed())
const json = (value: unknown) => JSON.stringify(value, (_, v: unknown) => (typeof v === 'string' ? v.toWellFormed() : v))

export async function insertAuthLog(q: Queryable, e: AuthLogInsert): Promise<void> {
  await q.query(
    `INSERT INTO auth_log (created_at, type, success, invoked_by_identity_id, person_id, target_person_id, person_input_identifier,
                           error_code, error_message, ip_address, user_agent, metadata, event_data, geo_country, identity_provider_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
    [e.at, e.type, e.success, e.invokedByIdentityId, e.personId ?? null, e.targetPersonId ?? null, text(e.personInputIdentifier),
      e.errorCode ?? null, text(e.errorMessage), e.ipAddress, e.userAgent, json(e.metadata ?? {}),
      e.eventData === undefined ? null : json(e.eventData), e.geoCountry ?? null, e.identityProviderId ?? null])
}

/** What a person's recent sign-ins came from: what an unusual one is told apart by. */
export interface PriorSignIn {
  ipAddress: string | null
  userAgent: string | null
  geoCountry: string | null
}

/** The person's last `limit` successful sign-ins of the given types, newest first. */
export async function selectRecentSignIns(q: Queryable, personId: string, types: readonly string[], limit: number): Promise<PriorSignIn[]> {
  const { rows } = await q.query<PriorSignIn>(
    `SELECT ip_address AS "ipAddress", user_agent AS "userAgent", geo_country AS "geoCountry"
       FROM auth_log
      WHERE person_id = $1 AND type = ANY($2::text[]) AND success
      ORDER BY created_at DESC, id DESC
      LIMIT $3`, [personId, types, limit])
  return rows
}

export interface AuthLogFilter {
  types?: readonly string[] | null
  success?: boolean | null
  invokedByIdentityId?: string | null
  personId?: string | null
  targetPersonId?: string | null
  personInputIdentifier?: string | null
  createdAfter?: Date | null
  createdBefore?: Date | null
}

export interface AuthLogRow {
  id: string
  createdAt: Date
  type: string
  success: boolean
  invokedByIdentityId: string | null
  personId: string | null
  targetPersonId: string | null
  personInputIdentifier: string | null
  errorCode: string | null
  errorMessage: string | null
  ipAddress: string | null
  userAgent: string | null
  identityProviderId: string | null
  metadata: unknown
  eventData: unknown
}

/** A page of entries matching every given filter, newest first; `limit + 1` rows tell whether more follow. */
export async function selectAuthLog(q: Queryable, filter: AuthLogFilter, limit: number, offset: number): Promise<AuthLogRow[]> {
  const { rows } = await q.query<AuthLogRow>(
    `SELECT id, created_at AS "createdAt", type, success, invoked_by_identity_id AS "invokedByIdentityId", person_id AS "personId",
            target_person_id AS "targetPersonId", person_input_identifier AS "personInputIdentifier", error_code AS "errorCode",
            error_message AS "errorMessage", ip_address AS "ipAddress", user_agent AS "userAgent", identity_provider_id AS "identityProviderId",
            metadata, event_data AS "eventData"
       FROM auth_log
      WHERE ($1::text[] IS NULL OR type = ANY($1::text[]))
        AND ($2::boolean IS NULL OR success = $2)
        AND ($3::uuid IS NULL OR invoked_by_identity_id = $3)
        AND ($4::uuid IS NULL OR person_id = $4)
        AND ($5::uuid IS NULL OR target_person_id = $5)
        AND ($6::text IS NULL OR person_input_identifier = $6)
        AND ($7::timestamptz IS NULL OR created_at >= $7)
        AND ($8::timestamptz IS NULL OR created_at < $8)
      ORDER BY created_at DESC, id DESC
      LIMIT $9 OFFSET $10`,
    [filter.types?.length ? filter.types : null, filter.success ?? null, filter.invokedByIdentityId ?? null, filter.personId ?? null,
      filter.targetPersonId ?? null, filter.personInputIdentifier ?? null, filter.createdAfter ?? null, filter.createdBefore ?? null, limit + 1, offset])
  return rows
}

export async function pruneAuthLog(q: Queryable, before: Date): Promise<void> {
  await q.query('DELETE FROM auth_log WHERE created_at < $1', [before])
}
