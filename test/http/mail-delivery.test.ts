import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { after, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { createPostgresDb } from '../../src/db/db.js'
import { generateToken } from '../../src/model/tokens.js'
import { backend, createTestDatabaseUrl } from '../helpers/db.js'
import { randomEmail } from '../helpers/fixtures.js'
import { payload, signInAnswer } from '../helpers/persons.js'
import { persistentDb, startServer, testEncryptionKey, type TestServer } from '../helpers/server.js'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js'

// Mail delivery through the outbox: an SMTP outage never fails the change nor loses its mail,
// retries survive a restart, a mail is given up only after MAIL_MAX_ATTEMPTS, no plain column
// keeps a secret, two nodes on one PostgreSQL send each mail once, and without a mailer the mail
// is held for `tenant-api outbox`. The mails come from `invite` (NEW_USER_INVITED carries a
// generated password).

const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url))
const fast = { MAIL_RETRY_DELAY_MS: '50', MAIL_POLL_INTERVAL_MS: '50' }

interface OutboxRow { id: string; state: string; attempts: number; lastError: string | null; sealed: string | null; subject: string; sentAt: Date | null }

async function outbox(server: TestServer, recipient: string): Promise<OutboxRow | undefined> {
  const { rows } = await server.app.deps.db.query<OutboxRow>(
    `SELECT id, state, attempts, last_error AS "lastError", sealed, subject, sent_at AS "sentAt" FROM mail_outbox WHERE recipient = $1`, [recipient])
  assert.ok(rows.length <= 1, `one outbox row per invite: ${JSON.stringify(rows)}`)
  return rows[0]
}

/** Polls `check` until it answers something truthy; fails with `what` after `ms`. */
async function until<T>(what: string, check: () => Promise<T | null | undefined | false> | T | null | undefined | false, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

const rowWhere = (server: TestServer, email: string, what: string, ok: (row: OutboxRow) => boolean, ms?: number) =>
  until(what, async () => { const row = await outbox(server, email); return row && ok(row) ? row : null }, ms)

async function newProject(server: TestServer) {
  const slug = `mail_${randomBytes(4).toString('hex')}`
  const r = await payload(server, `mutation($slug: String!, $config: Json) {
    createProject(projectSlug: $slug, name: "Mail Club", config: $config, options: { noDeployToken: true }) { ok } }`, { slug, config: { acl: { roles: { reader: {} } } } })
  assert.equal(r.ok, true)
  return slug
}

const INVITE = `mutation($email: String!, $slug: String!) {
  invite(email: $email, projectSlug: $slug, memberships: [{ role: "reader", variables: [] }]) { ok error { code } } }`

/** Invites a new email into `slug`; the mutation must answer ok. */
async function invite(server: TestServer, slug: string, email = randomEmail()) {
  const r = await payload(server, INVITE, { email, slug })
  assert.deepEqual(r, { ok: true, error: null })
  return email
}

// One sink and server for the tests that only need a working mailer (each waits for its own
// mails, so none leaves work behind); tests that need other settings start their own.
const smtp = await startSmtpSink()
const server = await startServer({ env: { ...smtp.env, ...fast } })

const passwordIn = (text: string) => /after your first sign-in:\s+(\S+)/.exec(text)?.[1]
const mailsTo = (sink: SmtpSink, email: string) => sink.mails.filter((m) => m.to.includes(email))

for (const outage of ['refuses every mail (451)', 'is down']) {
  test(`SMTP outage: while the SMTP server ${outage}, invite answers ok, the mail waits pending with its reason, then arrives`, async () => {
    const slug = await newProject(server)
    if (outage === 'is down') await smtp.stop()
    else smtp.accept(false)

    const email = await invite(server, slug)
    const pending = await rowWhere(server, email, 'pending after a failed attempt', (r) => r.state === 'pending' && r.attempts >= 1 && r.lastError !== null)
    assert.match(pending.lastError!, outage === 'is down' ? /ECONNREFUSED/ : /451/)
    assert.notEqual(pending.sealed, null, 'the body is kept for the next attempt')
    assert.equal(mailsTo(smtp, email).length, 0)

    if (outage === 'is down') await smtp.start()
    else smtp.accept(true)
    const mail = await smtp.waitFor((m) => m.to.includes(email))
    const password = passwordIn(mail.text)
    assert.ok(password, mail.text)
    assert.equal(pending.lastError!.includes(password), false, 'the reason holds no password')
    const sent = await rowWhere(server, email, 'state sent', (r) => r.state === 'sent')
    assert.ok(sent.attempts >= 2)
    assert.equal(await signInAnswer(server, email, password), 'ok', 'the mailed password is the one that was set')
    assert.equal(mailsTo(smtp, email).length, 1)
  })
}

test('restart: a mail queued while SMTP is down is sent once by the next server on the same database', async () => {
  const sink = await startSmtpSink()
  await sink.stop()
  const store = await persistentDb()
  const tokens = { CONTEMBER_ROOT_TOKEN: generateToken(), CONTEMBER_LOGIN_TOKEN: generateToken() }
  const first = await startServer({ db: await store.reopen(), env: { ...sink.env, ...fast, ...tokens } })
  const email = await invite(first, await newProject(first))
  await rowWhere(first, email, 'a failed attempt', (r) => r.attempts >= 1 && r.state === 'pending')
  await first.close()

  await sink.start()
  const second = await startServer({ db: await store.reopen(), env: { ...sink.env, ...fast, ...tokens } })
  await sink.waitFor((m) => m.to.includes(email))
  const row = await rowWhere(second, email, 'state sent', (r) => r.state === 'sent')
  await new Promise((r) => setTimeout(r, 300)) // a few more polls: nothing is sent again
  assert.equal(mailsTo(sink, email).length, 1)
  assert.equal(mailsTo(sink, email)[0]!.messageId, `<${row.id}@tenant-api>`)
})

test('given up: with MAIL_MAX_ATTEMPTS=2 and SMTP refusing, the mail ends failed with its reason and no body', async () => {
  const sink = await startSmtpSink()
  sink.accept(false)
  const own = await startServer({ env: { ...sink.env, ...fast, MAIL_MAX_ATTEMPTS: '2' } })
  const email = await invite(own, await newProject(own))
  const failed = await rowWhere(own, email, 'state failed', (r) => r.state === 'failed')
  assert.equal(failed.attempts, 2)
  assert.match(failed.lastError ?? '', /451/)
  assert.equal(failed.sealed, null, 'the body (with the password) is dropped')
  sink.accept(true)
  await new Promise((r) => setTimeout(r, 300))
  assert.equal((await outbox(own, email))!.attempts, 2, 'no attempt after the last one')
  assert.equal(mailsTo(sink, email).length, 0)
})

test('TENANT_MAILER_REQUIRE_TLS: a server that offers no STARTTLS gets nothing; the mail waits with the reason', async () => {
  const sink = await startSmtpSink() // offers no STARTTLS
  const own = await startServer({ env: { ...sink.env, ...fast, TENANT_MAILER_REQUIRE_TLS: 'true' } })
  const email = await invite(own, await newProject(own))
  const pending = await rowWhere(own, email, 'an attempt failed', (r) => r.lastError !== null)
  assert.equal(pending.state === 'pending' || pending.state === 'sending', true, pending.state)
  assert.match(pending.lastError!, /STARTTLS/i)
  assert.equal(mailsTo(sink, email).length, 0, 'nothing went out in the clear')
})

test('sent: state sent with sent_at, no body left, and the stored subject holds no secret (a {{password}} in it becomes …)', async () => {
  const slug = await newProject(server)
  const plain = await invite(server, slug)
  const row = await rowWhere(server, plain, 'state sent', (r) => r.state === 'sent')
  const mail = await smtp.waitFor((m) => m.to.includes(plain))
  const password = passwordIn(mail.text)!
  assert.ok(row.sentAt instanceof Date)
  assert.equal(row.sealed, null)
  assert.equal(row.subject, 'Invitation to Mail Club')
  assert.equal(row.subject.includes(password), false)

  const ADD = 'mutation($t: MailTemplate!) { addMailTemplate(template: $t) { ok error { code } } }'
  assert.equal((await payload(server, ADD, { t: { projectSlug: slug, type: 'NEW_USER_INVITED', subject: 'Your password {{password}} for {{project}}', content: '<p>Password: {{password}}</p>', useLayout: false } })).ok, true)
  const shown = await invite(server, slug)
  const withSecret = await smtp.waitFor((m) => m.to.includes(shown))
  const secret = /^Password: (\S+)$/.exec(withSecret.text)?.[1]
  assert.ok(secret, withSecret.text)
  assert.equal(withSecret.subject, `Your password ${secret} for Mail Club`, 'the recipient sees the password')
  const stored = await rowWhere(server, shown, 'state sent', (r) => r.state === 'sent')
  assert.equal(stored.subject, 'Your password … for Mail Club')
  assert.equal(stored.sealed, null)
})

test('two nodes on one PostgreSQL: 20 invites through one node, every mail arrives exactly once', { skip: backend !== 'postgres' && 'needs PostgreSQL: PGlite is one process\'s database' }, async (t) => {
  const sink = await startSmtpSink()
  const url = await createTestDatabaseUrl()
  const tokens = { CONTEMBER_ROOT_TOKEN: generateToken(), CONTEMBER_LOGIN_TOKEN: generateToken() }
  const env = { ...sink.env, ...fast, ...tokens }
  const a = await startServer({ db: createPostgresDb(url), env })
  const b = await startServer({ db: createPostgresDb(url), env })
  const slug = await newProject(a)
  const emails: string[] = []
  for (let i = 0; i < 4; i++) emails.push(...await Promise.all([1, 2, 3, 4, 5].map(() => invite(a, slug))))
  await until('20 mails', () => emails.every((e) => mailsTo(sink, e).length > 0), 20_000)
  await until('every row sent', async () => {
    const { rows } = await b.app.deps.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM mail_outbox WHERE state = 'sent'`)
    return rows[0]!.n === 20
  })
  await new Promise((r) => setTimeout(r, 300))
  await Promise.all([a.app.mail.idle(), b.app.mail.idle()])
  for (const email of emails) assert.equal(mailsTo(sink, email).length, 1, email)
  const { rows } = await a.app.deps.db.query<{ id: string }>('SELECT id FROM mail_outbox')
  assert.deepEqual(sink.mails.map((m) => m.messageId).sort(), rows.map((r) => `<${r.id}@tenant-api>`).sort())
  assert.equal(a.app.mail.stats.sent + b.app.mail.stats.sent, 20)
  t.diagnostic(`sent by node A: ${a.app.mail.stats.sent}, by node B: ${b.app.mail.stats.sent}`)
})

test('no mailer: the mail is held (sealed), logged without the password, written under DATA_DIR/outbox, shown by `tenant-api outbox`', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tenant-api-held-'))
  after(() => rm(dataDir, { recursive: true, force: true }))
  const log = { text: '', stream: new Writable({ write(chunk, _encoding, done) { log.text += chunk; done() } }) }
  const own = await startServer({ env: { DATA_DIR: dataDir, LOG_LEVEL: 'info', ...fast }, logStream: log.stream })
  const email = await invite(own, await newProject(own))
  const held = await rowWhere(own, email, 'state held', (r) => r.state === 'held')
  assert.notEqual(held.sealed, null, 'the body is kept, sealed')
  assert.equal(held.subject, 'Invitation to Mail Club')

  const line = await until('the held-mail log line', () => log.text.split('\n').filter(Boolean).map((l) => JSON.parse(l))
    .find((e) => typeof e.msg === 'string' && e.msg.startsWith('mail held')))
  assert.deepEqual({ to: line.to, type: line.type, subject: line.subject, mailId: line.mailId }, { to: email, type: 'NEW_USER_INVITED', subject: 'Invitation to Mail Club', mailId: held.id })

  const files = await readdir(join(dataDir, 'outbox'))
  assert.equal(files.length, 1, files.join())
  assert.ok(files[0]!.endsWith(`${held.id}.json`))
  const file = await readFile(join(dataDir, 'outbox', files[0]!), 'utf8')

  const child = spawn(process.execPath, ['--import', 'tsx', main, 'outbox'], {
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, TENANT_ENCRYPTION_KEY: testEncryptionKey }, stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (d) => { out += d })
  child.stderr.on('data', (d) => { out += d })
  assert.equal(await new Promise((resolve) => child.on('exit', resolve)), 0, out)
  assert.match(out, new RegExp(`NEW_USER_INVITED  to ${email.replace(/\./g, '\\.')}  \\(${held.id}\\)`))
  assert.match(out, /^Subject: Invitation to Mail Club$/m)
  const password = passwordIn(out)
  assert.ok(password && password.length === 12, out)
  assert.equal(await signInAnswer(own, email, password), 'ok', 'the held mail carries the real password')
  assert.equal(log.text.includes(password), false, 'no log line shows the password')
  assert.equal(file.includes(password), false, 'the held file keeps the body sealed')
})

/** A mail webhook on loopback: records each POST (with the answer it got) and answers `status`. */
async function startWebhook(status: number) {
  const hook = { status, port: 0, posts: [] as { status: number; authorization: string | undefined; body: Record<string, unknown> }[] }
  const server = createServer((req: IncomingMessage, res) => {
    let raw = ''
    req.on('data', (d) => { raw += d })
    req.on('end', () => {
      hook.posts.push({ status: hook.status, authorization: req.headers.authorization, body: JSON.parse(raw) })
      res.writeHead(hook.status).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  after(() => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections() }))
  hook.port = (server.address() as { port: number }).port
  return hook
}

test('webhook: one JSON POST per mail with id, type, from, to, subject, html, text and replyTo; a 500 answer is retried', async () => {
  const hook = await startWebhook(500)
  const { posts } = hook
  const from = 'Mail Club <noreply@club.example>'
  const own = await startServer({ env: { TENANT_MAILER_WEBHOOK: `http://127.0.0.1:${hook.port}/mail`, TENANT_MAILER_FROM: from, ...fast } })
  const email = await invite(own, await newProject(own))

  const pending = await rowWhere(own, email, 'pending after a refused POST', (r) => r.state === 'pending' && r.attempts >= 1 && r.lastError !== null)
  assert.match(pending.lastError!, /the mail webhook answered 500/)
  assert.notEqual(pending.sealed, null)
  hook.status = 200
  const row = await rowWhere(own, email, 'state sent', (r) => r.state === 'sent')
  await new Promise((r) => setTimeout(r, 200))
  const delivered = posts.filter((p) => p.status === 200)
  assert.equal(delivered.length, 1, 'one accepted POST per mail')
  assert.ok(posts.length >= 2, 'the refused POST came first')
  const mail = delivered[0]!.body
  assert.deepEqual(Object.keys(mail).sort(), ['from', 'html', 'id', 'replyTo', 'subject', 'text', 'to', 'type'])
  assert.deepEqual({ id: mail.id, type: mail.type, from: mail.from, to: mail.to, subject: mail.subject, replyTo: mail.replyTo },
    { id: row.id, type: 'NEW_USER_INVITED', from, to: email, subject: 'Invitation to Mail Club', replyTo: null })
  const password = passwordIn(mail.text as string)
  assert.ok(password, String(mail.text))
  assert.match(mail.html as string, /<!doctype html>/)
  assert.equal(pending.lastError!.includes(password), false)
})

test('webhook: credentials in TENANT_MAILER_WEBHOOK go as Basic authentication and never reach last_error or the log', async () => {
  const hook = await startWebhook(200)
  const secret = `s3cret-${randomBytes(4).toString('hex')}`
  const log = { text: '', stream: new Writable({ write(chunk, _encoding, done) { log.text += chunk; done() } }) }
  const own = await startServer({ env: { TENANT_MAILER_WEBHOOK: `http://mailer:${secret}@127.0.0.1:${hook.port}/mail`, TENANT_MAILER_FROM: 'noreply@club.example', LOG_LEVEL: 'info', ...fast }, logStream: log.stream })
  const email = await invite(own, await newProject(own))
  const row = await rowWhere(own, email, 'sent, or an attempt failed', (r) => r.state === 'sent' || r.lastError !== null)
  // fetch refuses a URL with credentials, and its message would carry them: they go in a header.
  assert.equal(row.state, 'sent', `last_error: ${row.lastError}`)
  assert.deepEqual(hook.posts.map((p) => p.authorization), [`Basic ${Buffer.from(`mailer:${secret}`).toString('base64')}`])
  assert.equal((row.lastError ?? '').includes(secret), false)
  assert.equal(log.text.includes(secret), false, 'no log line shows the webhook password')
})

const sample = (text: string, line: string) => Number(new RegExp(`^${line.replace(/[{}"=]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN)
const metrics = async (server: TestServer) => (await server.fetch('/metrics')).text()

test('metrics: tenant_mail_send_failures_total counts a refused attempt; tenant_mail_outbox shows the sent mail', async () => {
  const before = await metrics(server)
  smtp.accept(false)
  const email = await invite(server, await newProject(server))
  await rowWhere(server, email, 'pending after a refused attempt', (r) => r.state === 'pending' && r.attempts >= 1 && r.lastError !== null)
  const during = await metrics(server)
  assert.ok(sample(during, 'tenant_mail_send_failures_total') > sample(before, 'tenant_mail_send_failures_total'), during)
  assert.equal(sample(during, 'tenant_mail_sent_total'), sample(before, 'tenant_mail_sent_total'))
  assert.ok(sample(during, 'tenant_mail_outbox{state="pending"}') + sample(during, 'tenant_mail_outbox{state="sending"}') >= 1, during)

  smtp.accept(true)
  await rowWhere(server, email, 'state sent', (r) => r.state === 'sent')
  const text = await metrics(server)
  const { rows } = await server.app.deps.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM mail_outbox WHERE state = 'sent'`)
  assert.ok(rows[0]!.n >= 1)
  assert.equal(sample(text, 'tenant_mail_outbox{state="sent"}'), rows[0]!.n)
  assert.equal(sample(text, 'tenant_mail_sent_total'), sample(before, 'tenant_mail_sent_total') + 1)
})
