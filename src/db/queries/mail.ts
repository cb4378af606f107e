import type { Queryable } from '../db.js'

// ---- templates

export interface MailTemplateRow {
  id: string
  projectId: string | null
  projectSlug: string | null
  mailType: string
  /** '' for the default variant. */
  variant: string
  subject: string
  content: string
  useLayout: boolean
  replyTo: string | null
}

const templateColumns = `t.id, t.project_id AS "projectId", p.slug AS "projectSlug", t.mail_type AS "mailType", t.variant,
  t.subject, t.content, t.use_layout AS "useLayout", t.reply_to AS "replyTo"`

/** Templates of the given projects (every project's when null), and the global ones when `global`. */
export async function selectMailTemplates(q: Queryable, filter: { projectIds: readonly string[] | null; global: boolean }): Promise<MailTemplateRow[]> {
  const { rows } = await q.query<MailTemplateRow>(
    `SELECT ${templateColumns} FROM mail_template t LEFT JOIN project p ON p.id = t.project_id
      WHERE (t.project_id IS NOT NULL AND ($1::uuid[] IS NULL OR t.project_id = ANY($1::uuid[]))) OR ($2 AND t.project_id IS NULL)
      ORDER BY p.slug NULLS FIRST, t.mail_type, t.variant`, [filter.projectIds, filter.global])
  return rows
}

/**
 * The candidates for one mail, best first: the project's template of the variant, the global
 * one of the variant, the project's default variant, the global default variant.
 */
export async function selectTemplateCandidates(q: Queryable, mailType: string, projectId: string | null, variant: string): Promise<MailTemplateRow[]> {
  const { rows } = await q.query<MailTemplateRow>(
    `SELECT ${templateColumns} FROM mail_template t LEFT JOIN project p ON p.id = t.project_id
      WHERE t.mail_type = $1 AND (t.project_id = $2 OR t.project_id IS NULL) AND t.variant IN ($3, '')
      ORDER BY (t.variant = $3) DESC, (t.project_id IS NOT NULL) DESC
      LIMIT 1`, [mailType, projectId, variant])
  return rows
}

export type MailTemplateInput = Omit<MailTemplateRow, 'id' | 'projectSlug'> & { at: Date }

/** Adds the template, or replaces the one with the same project, type and variant. */
export async function upsertMailTemplate(q: Queryable, t: MailTemplateInput): Promise<void> {
  await q.query(
    `INSERT INTO mail_template (project_id, mail_type, variant, subject, content, use_layout, reply_to, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
     ON CONFLICT (coalesce(project_id, '00000000-0000-0000-0000-000000000000'::uuid), mail_type, variant) DO UPDATE SET
       subject = excluded.subject, content = excluded.content, use_layout = excluded.use_layout,
       reply_to = excluded.reply_to, updated_at = excluded.updated_at`,
    [t.projectId, t.mailType, t.variant, t.subject, t.content, t.useLayout, t.replyTo, t.at])
}

export async function deleteMailTemplate(q: Queryable, t: { projectId: string | null; mailType: string; variant: string }): Promise<boolean> {
  const { rows } = await q.query(
    `DELETE FROM mail_template WHERE project_id IS NOT DISTINCT FROM $1 AND mail_type = $2 AND variant = $3 RETURNING id`,
    [t.projectId, t.mailType, t.variant])
  return rows.length > 0
}

// ---- outbox

export type OutboxState = 'pending' | 'sending' | 'sent' | 'failed' | 'held'

export interface OutboxInsert {
  id: string
  mailType: string
  projectId: string | null
  recipient: string
  /** The subject without its secret values. */
  subject: string
  sealed: string
  at: Date
}

/** A new mail, pending (the sender holds it instead when no mailer is configured). */
export async function insertOutboxMailWithId(q: Queryable, mail: OutboxInsert): Promise<void> {
  await q.query(
    `INSERT INTO mail_outbox (id, mail_type, project_id, recipient, subject, sealed, state, next_attempt_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7)`,
    [mail.id, mail.mailType, mail.projectId, mail.recipient, mail.subject, mail.sealed, mail.at])
}

export interface OutboxMail {
  id: string
  mailType: string
  recipient: string
  subject: string
  sealed: string | null
  state: OutboxState
  attempts: number
  nextAttemptAt: Date
  lastError: string | null
  createdAt: Date
  sentAt: Date | null
}

const outboxColumns = `id, mail_type AS "mailType", recipient, subject, sealed, state, attempts, next_attempt_at AS "nextAttemptAt",
  last_error AS "lastError", created_at AS "createdAt", sent_at AS "sentAt"`

/**
 * Claims up to `limit` mails that are due (pending, or claimed by a sender that stopped before
 * `locked_until`) for `lockMs`. SKIP LOCKED: senders on several nodes each take other rows.
 */
export async function claimDueMails(q: Queryable, now: Date, lockMs: number, limit: number): Promise<OutboxMail[]> {
  const { rows } = await q.query<OutboxMail>(
    `UPDATE mail_outbox SET state = 'sending', attempts = attempts + 1, locked_until = $1::timestamptz + $2 * interval '1 millisecond'
      WHERE id IN (
        SELECT id FROM mail_outbox
         WHERE (state = 'pending' AND next_attempt_at <= $1) OR (state = 'sending' AND locked_until <= $1)
         ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
      RETURNING ${outboxColumns}`, [now, lockMs, limit])
  return rows
}

/** Sent: the body (which may carry a token) is dropped. */
export async function markMailSent(q: Queryable, id: string, at: Date): Promise<void> {
  await q.query(`UPDATE mail_outbox SET state = 'sent', sealed = NULL, sent_at = $2, locked_until = NULL, last_error = NULL WHERE id = $1`, [id, at])
}

/** No mailer: kept, body and all, for `tenant-api outbox`, until pruned. */
export async function markMailHeld(q: Queryable, id: string): Promise<void> {
  await q.query(`UPDATE mail_outbox SET state = 'held', locked_until = NULL WHERE id = $1`, [id])
}

/** Another attempt at `retryAt`, or (retryAt null) given up: the body is dropped then too. */
export async function markMailFailed(q: Queryable, id: string, error: string, retryAt: Date | null): Promise<void> {
  await q.query(
    retryAt
      ? `UPDATE mail_outbox SET state = 'pending', next_attempt_at = $3, locked_until = NULL, last_error = $2 WHERE id = $1`
      : `UPDATE mail_outbox SET state = 'failed', sealed = NULL, locked_until = NULL, last_error = $2 WHERE id = $1`,
    retryAt ? [id, error, retryAt] : [id, error])
}

export async function countMailsByState(q: Queryable): Promise<Record<OutboxState, number>> {
  const { rows } = await q.query<{ state: OutboxState; n: number }>(`SELECT state, count(*)::int AS n FROM mail_outbox GROUP BY state`)
  const counts: Record<OutboxState, number> = { pending: 0, sending: 0, sent: 0, failed: 0, held: 0 }
  for (const { state, n } of rows) counts[state] = n
  return counts
}

/** Drops sent and failed mails older than `before`, and held ones (development) too. */
export async function pruneMails(q: Queryable, before: Date): Promise<number> {
  const { rows } = await q.query(`DELETE FROM mail_outbox WHERE state IN ('sent', 'failed', 'held') AND created_at < $1 RETURNING id`, [before])
  return rows.length
}
