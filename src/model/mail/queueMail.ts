import { randomUUID } from 'node:crypto'
import type { Queryable } from '../../db/db.js'
import { insertOutboxMailWithId, selectTemplateCandidates } from '../../db/queries/mail.js'
import { DEFAULT_TEMPLATES, type SentMailType } from '../../mail/defaults.js'
import { MAIL_CHANNEL, sealMail, withoutSecrets } from '../../mail/outbox.js'
import { renderMail, type MailVariables } from '../../mail/templates.js'
import type { Deps } from '../deps.js'

export interface MailProject {
  id: string
  slug: string
  name: string
}

export interface QueuedMail {
  type: SentMailType
  to: string
  /** The project the mail is about: its templates apply and `project`/`projectSlug` are set. */
  project: MailProject | null
  /** A template variant (a language, say); null or '' for the default. */
  variant: string | null | undefined
  variables: MailVariables
  /** Values that must never appear in a log, the outbox's plain columns or an error: tokens, passwords, codes. */
  secrets: readonly string[]
}

/**
 * Puts a mail in the outbox, in the caller's transaction: it is sent after commit (every node's
 * sender wakes then) and never for a change that rolled back. The template is the project's for
 * the variant, else the global one for the variant, else the project's default variant, else the
 * global default variant, else the built-in default. The rendered mail is stored encrypted.
 */
export async function queueMail(deps: Deps, tx: Queryable, mail: QueuedMail): Promise<void> {
  const variant = mail.variant ?? ''
  const [stored] = await selectTemplateCandidates(tx, mail.type, mail.project?.id ?? null, variant)
  const template = stored ?? { ...DEFAULT_TEMPLATES[mail.type], useLayout: true, replyTo: null }
  const variables: MailVariables = {
    ...mail.variables,
    ...(mail.project ? { project: mail.project.name, projectSlug: mail.project.slug } : {}),
  }
  const rendered = renderMail(template, variables)
  const id = randomUUID()
  await insertOutboxMailWithId(tx, {
    id,
    mailType: mail.type,
    projectId: mail.project?.id ?? null,
    recipient: mail.to,
    subject: withoutSecrets(rendered.subject, mail.secrets),
    sealed: sealMail(deps.secrets, id, { ...rendered, replyTo: template.replyTo }),
    at: deps.clock.now(),
  })
  await tx.query('SELECT pg_notify($1, $2)', [MAIL_CHANNEL, id])
}
