import type { SecretBox } from '../model/secrets.js'

/** NOTIFY channel: a transaction that queued mail committed (every node's sender wakes). */
export const MAIL_CHANNEL = 'tenant_api_mail'

/** What a queued mail holds besides its recipient: sealed, since it may carry a token or a password. */
export interface MailContent {
  subject: string
  html: string
  text: string
  replyTo: string | null
}

/** Bound to the row: a sealed body copied to another row does not open there. */
const context = (id: string) => `mail:${id}`

export const sealMail = (secrets: SecretBox, id: string, content: MailContent) => secrets.encrypt(JSON.stringify(content), context(id))

export function openSealedMail(secrets: SecretBox, mail: { id: string; sealed: string | null }): MailContent {
  if (mail.sealed === null) throw new Error(`mail ${mail.id} has no body left (it was sent or given up)`)
  return JSON.parse(secrets.decrypt(mail.sealed, context(mail.id))) as MailContent
}

/** `text` with every secret value cut out (for the subject kept in plain text and in logs). */
export function withoutSecrets(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('…')
  return out
}
