import { after } from 'node:test'
import { simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'

// A real SMTP server on loopback that keeps every mail it accepts, parsed, for tests to read.

export interface ReceivedMail {
  from: string
  to: string[]
  subject: string
  html: string
  text: string
  replyTo: string | null
  messageId: string | null
}

export interface SmtpSink {
  port: number
  mails: ReceivedMail[]
  /** Resolves with the first mail `match` accepts (waiting for it up to `ms`). */
  waitFor(match: (mail: ReceivedMail) => boolean, ms?: number): Promise<ReceivedMail>
  /** Refuses every mail with a temporary failure (451) until `accept(true)`. */
  accept(yes: boolean): void
  /** Env for startServer: the mailer pointed at this sink. */
  env: Record<string, string>
  stop(): Promise<void>
  start(): Promise<void>
}

const sinks: SmtpSink[] = []
after(async () => { await Promise.all(sinks.splice(0).map((s) => s.stop())) })

export async function startSmtpSink(port = 0): Promise<SmtpSink> {
  let accepting = true
  let server: SMTPServer | null = null
  const mails: ReceivedMail[] = []
  const waiters = new Set<() => void>()
  const make = () => new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, done) {
      if (!accepting) {
        stream.resume()
        stream.on('end', () => done(Object.assign(new Error('try again later'), { responseCode: 451 })))
        return
      }
      simpleParser(stream).then((parsed) => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: parsed.subject ?? '',
          html: typeof parsed.html === 'string' ? parsed.html : '',
          text: parsed.text ?? '',
          replyTo: parsed.replyTo?.text ?? null,
          messageId: parsed.messageId ?? null,
        })
        for (const wake of waiters) wake()
        done()
      }, done)
    },
  })
  const listen = (on: number) => new Promise<number>((resolve, reject) => {
    server = make()
    server.once('error', reject)
    server.listen(on, '127.0.0.1', () => resolve((server!.server.address() as { port: number }).port))
  })
  const bound = await listen(port)
  const sink: SmtpSink = {
    port: bound,
    mails,
    env: { TENANT_MAILER_HOST: '127.0.0.1', TENANT_MAILER_PORT: String(bound), TENANT_MAILER_FROM: 'tenant@example.com' },
    accept(yes) { accepting = yes },
    async waitFor(match, ms = 10_000) {
      const deadline = Date.now() + ms
      for (;;) {
        const found = mails.find(match)
        if (found) return found
        if (Date.now() > deadline) throw new Error(`no such mail within ${ms} ms; received: ${JSON.stringify(mails.map((m) => [m.to, m.subject]))}`)
        await new Promise<void>((resolve) => {
          const wake = () => { waiters.delete(wake); clearTimeout(timer); resolve() }
          const timer = setTimeout(wake, 50)
          waiters.add(wake)
        })
      }
    },
    async stop() {
      const current = server
      server = null
      if (current) await new Promise<void>((resolve) => current.close(() => resolve()))
    },
    async start() {
      if (!server) await listen(bound)
    },
  }
  sinks.push(sink)
  return sink
}
