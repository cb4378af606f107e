import nodemailer from 'nodemailer'

/** One mail as the sender hands it over. */
export interface OutgoingMail {
  id: string
  type: string
  from: string
  to: string
  replyTo: string | null
  subject: string
  html: string
  text: string
}

/** Where mail goes: an SMTP server, a webhook, or nowhere (development: kept in the outbox). */
export interface MailTransport {
  readonly kind: 'smtp' | 'webhook' | 'none'
  /** Resolves when the mail was accepted; rejects with a reason worth keeping (no secrets). */
  send(mail: OutgoingMail): Promise<void>
  close(): void
}

export interface MailerSettings {
  host?: string | undefined
  port: number
  from: string
  user?: string | undefined
  password?: string | undefined
  secure: boolean
  requireTls: boolean
  webhook?: string | undefined
  /** How long one delivery may take before it counts as failed. */
  timeoutMs: number
}

export function createTransport(settings: MailerSettings): MailTransport {
  if (settings.webhook) return webhookTransport(settings.webhook, settings.timeoutMs)
  if (settings.host) return smtpTransport(settings)
  return { kind: 'none', send: async () => { throw new Error('no mailer configured') }, close: () => {} }
}

function smtpTransport(settings: MailerSettings): MailTransport {
  const transporter = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    requireTLS: settings.requireTls,
    ...(settings.user ? { auth: { user: settings.user, pass: settings.password ?? '' } } : {}),
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs,
    // The message and the server's replies could carry a token: nodemailer logs nothing.
    logger: false,
    debug: false,
  })
  return {
    kind: 'smtp',
    async send(mail) {
      await transporter.sendMail({
        from: settings.from,
        to: mail.to,
        ...(mail.replyTo ? { replyTo: mail.replyTo } : {}),
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        messageId: `<${mail.id}@tenant-api>`,
      })
    },
    close: () => transporter.close(),
  }
}

/**
 * POSTs each mail as JSON (`{ id, type, from, to, replyTo, subject, html, text }`) for a service
 * that delivers it; any 2xx answer is delivery. Credentials in the URL
 * (`https://user:password@host/…`) go as Basic authentication: fetch refuses such a URL, and
 * its error would carry the password into the outbox and the log.
 */
function webhookTransport(address: string, timeoutMs: number): MailTransport {
  const url = new URL(address)
  const authorization = url.username || url.password
    ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
    : null
  url.username = ''
  url.password = ''
  return {
    kind: 'webhook',
    async send(mail) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify(mail),
        signal: AbortSignal.timeout(timeoutMs),
      })
      await response.arrayBuffer().catch(() => {})
      if (!response.ok) throw new Error(`the mail webhook answered ${response.status}`)
    },
    close: () => {},
  }
}
