import type { FastifyBaseLogger } from 'fastify'
import type { Db } from '../db/db.js'
import { claimDueMails, markMailFailed, markMailHeld, markMailSent, pruneMails, type OutboxMail } from '../db/queries/mail.js'
import type { Clock } from '../model/clock.js'
import type { SecretBox } from '../model/secrets.js'
import { MAIL_CHANNEL, openSealedMail } from './outbox.js'
import type { MailTransport } from './transport.js'
import { pruneHeldMail, writeHeldMail } from './heldMail.js'

export interface SenderSettings {
  /** Attempts before a mail is given up (failed, with the last reason). */
  maxAttempts: number
  /** Wait before the second attempt; doubles for each further one, up to `maxRetryDelayMs`. */
  retryDelayMs: number
  maxRetryDelayMs: number
  /** How often the outbox is looked at besides the wake-ups at commit (retries, mails of a node that stopped). */
  pollMs: number
  /** Sent and failed mails (without their bodies) are kept this long, then deleted. */
  keepMs: number
}

export const defaultSenderSettings: SenderSettings = {
  maxAttempts: 20, retryDelayMs: 5_000, maxRetryDelayMs: 3_600_000, pollMs: 5_000, keepMs: 30 * 24 * 3_600_000,
}

/** How long a claimed mail stays with its sender before another may take it over. */
const CLAIM_MS = 120_000
const BATCH = 10

/** When attempt number `attempts` (1 for the first) failed: the next one, or null to give up. */
export function retryAt(settings: SenderSettings, attempts: number, now: Date): Date | null {
  if (attempts >= settings.maxAttempts) return null
  const delay = Math.min(settings.maxRetryDelayMs, settings.retryDelayMs * 2 ** (attempts - 1))
  return new Date(now.getTime() + delay)
}

/**
 * Sends the outbox, inside the server. It wakes when a transaction that queued mail commits
 * (NOTIFY, on every node), and every `pollMs` for retries and for mails a stopped node had
 * claimed. Rows are claimed with FOR UPDATE SKIP LOCKED, so with several nodes on one
 * PostgreSQL each mail is sent by one of them. An SMTP failure costs the mail an attempt and a
 * wait that doubles each time; it is given up only after `maxAttempts`. Without a mailer the
 * mails are held: logged (recipient, type, subject; never a token) and kept for
 * `tenant-api outbox`.
 */
export class MailSender {
  private timer: NodeJS.Timeout | undefined
  private unlisten: (() => Promise<void>) | undefined
  private running: Promise<void> | null = null
  private again = false
  private stopped = false
  readonly stats = { sent: 0, failures: 0, givenUp: 0 }

  constructor(private readonly deps: {
    db: Db; clock: Clock; secrets: SecretBox; log: FastifyBaseLogger; transport: MailTransport; from: string
    /** Where held mails (no mailer) are written for `tenant-api outbox` (heldMail.ts). */
    heldDir: string
  },
    private readonly settings: SenderSettings = defaultSenderSettings) {}

  async start(): Promise<void> {
    this.unlisten = await this.deps.db.listen(MAIL_CHANNEL, () => this.wake(), () => this.wake())
    this.timer = setInterval(() => this.wake(), this.settings.pollMs)
    this.timer.unref()
    this.wake()
  }

  /** Runs the outbox now (or right after the run in progress). */
  wake(): void {
    if (this.stopped) return
    if (this.running) {
      this.again = true
      return
    }
    this.running = this.drain().catch((error: unknown) => this.deps.log.warn({ err: error }, 'sending mail failed; will retry')).finally(() => {
      this.running = null
      if (this.again) {
        this.again = false
        this.wake()
      }
    })
  }

  /** Resolves when no run is in progress (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    await this.idle()
    await this.unlisten?.()
    this.deps.transport.close()
  }

  private async drain(): Promise<void> {
    for (;;) {
      const now = this.deps.clock.now()
      const batch = await claimDueMails(this.deps.db, now, CLAIM_MS, BATCH)
      for (const mail of batch) await this.deliver(mail)
      if (batch.length < BATCH || this.stopped) break
    }
    await pruneMails(this.deps.db, new Date(this.deps.clock.now().getTime() - this.settings.keepMs))
  }

  private async deliver(mail: OutboxMail): Promise<void> {
    const { db, clock, secrets, log, transport } = this.deps
    if (transport.kind === 'none') {
      await writeHeldMail(this.deps.heldDir, {
        id: mail.id, type: mail.mailType, to: mail.recipient, subject: mail.subject, createdAt: mail.createdAt.toISOString(), sealed: mail.sealed!,
      })
      await pruneHeldMail(this.deps.heldDir, clock.now())
      await markMailHeld(db, mail.id)
      log.info({ mailId: mail.id, to: mail.recipient, type: mail.mailType, subject: mail.subject },
        'mail held: no mailer is configured (TENANT_MAILER_HOST); `tenant-api outbox` shows it')
      return
    }
    try {
      const content = openSealedMail(secrets, mail)
      await transport.send({ id: mail.id, type: mail.mailType, from: this.deps.from, to: mail.recipient, ...content })
    } catch (error) {
      const reason = describe(error)
      const next = retryAt(this.settings, mail.attempts, clock.now())
      await markMailFailed(db, mail.id, reason, next)
      this.stats.failures++
      if (next) log.warn({ mailId: mail.id, type: mail.mailType, attempt: mail.attempts, retryAt: next, reason }, 'mail not sent; will retry')
      else {
        this.stats.givenUp++
        log.error({ mailId: mail.id, type: mail.mailType, attempts: mail.attempts, reason }, 'mail not sent; gave up')
      }
      return
    }
    await markMailSent(db, mail.id, clock.now())
    this.stats.sent++
    log.info({ mailId: mail.id, to: mail.recipient, type: mail.mailType }, 'mail sent')
  }
}

/** The reason of a failed delivery, short and without the message (it may hold a token). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error'
  const { code, responseCode } = error as { code?: unknown; responseCode?: unknown }
  const parts = [typeof code === 'string' ? code : null, typeof responseCode === 'number' ? `SMTP ${responseCode}` : null,
    error.message.split('\n')[0]!.slice(0, 200)]
  return parts.filter(Boolean).join(': ')
}
