import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { generateKey } from '../../src/model/secrets.js'
import { generateToken } from '../../src/model/tokens.js'
import { backend, createTestDatabaseUrl, dropTestDatabases } from '../helpers/db.js'
import { goodPassword } from '../helpers/persons.js'

// The real process (`tenant-api serve`) stopped with SIGTERM while it is busy: every request it
// had taken is answered normally (200) and written to the access log, requests that come after it
// began to stop are refused and never run, it exits 0 well within SHUTDOWN_TIMEOUT_MS, and a
// mail whose request was answered ok is not lost (without a mailer: held in DATA_DIR/outbox, at
// the latest by the next start, which finds the outbox row the stopped process left pending).

const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url))
const SHUTDOWN_TIMEOUT_MS = 10_000

const running: { kill(signal: NodeJS.Signals): boolean; exitCode: number | null; signalCode: NodeJS.Signals | null }[] = []
after(async () => {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  await dropTestDatabases()
})

interface Served {
  port: number
  pid: number
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>
  output(): string
  waitForOutput(pattern: RegExp, ms?: number): Promise<number>
}

async function serve(env: Record<string, string>): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'serve'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.push(child)
  let out = ''
  const watchers = new Set<() => void>()
  const take = (d: Buffer) => {
    out += d
    for (const wake of watchers) wake()
  }
  child.stdout.on('data', take)
  child.stderr.on('data', take)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })))
  const waitForOutput = async (pattern: RegExp, ms = 60_000) => {
    const deadline = Date.now() + ms
    while (!pattern.test(out)) {
      if (Date.now() > deadline || child.exitCode !== null) assert.fail(`no ${pattern} in the output:\n${out}`)
      await new Promise<void>((resolve) => {
        const wake = () => { watchers.delete(wake); clearTimeout(timer); resolve() }
        const timer = setTimeout(wake, 20)
        watchers.add(wake)
      })
    }
    return Date.now()
  }
  await waitForOutput(/tenant-api on http:\/\/127\.0\.0\.1:(\d+)\/tenant/)
  const port = Number(/tenant-api on http:\/\/127\.0\.0\.1:(\d+)\/tenant/.exec(out)![1])
  return { port, pid: child.pid!, exited, output: () => out, waitForOutput }
}

interface Answer { status: number; body: any; requestId: string | null; at: number }

const parseJson = (text: string) => {
  try { return JSON.parse(text) } catch { return text }
}

async function gql(port: number, token: string, query: string, variables?: Record<string, unknown>): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${port}/tenant`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }),
  })
  return { status: res.status, body: parseJson(await res.text()), requestId: res.headers.get('x-request-id'), at: Date.now() }
}

/** A request of its own connection (never a pooled one): the answer, or the network error's code. */
function onFreshConnection(port: number, method: string, path: string, headers: Record<string, string> = {}, body = ''): Promise<{ status?: number; error?: string }> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, agent: false, headers: { ...headers, 'content-length': Buffer.byteLength(body), connection: 'close' } }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode }))
      res.on('error', () => resolve({ status: res.statusCode }))
    })
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }))
    req.end(body)
  })
}

const rawPost = (token: string, body: string) => `POST /tenant HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
  `Authorization: Bearer ${token}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`

/** Everything `socket` receives until the server closes it ('' when nothing). */
const untilClosed = (socket: Socket) => new Promise<string>((resolve) => {
  let got = ''
  const timer = setTimeout(() => resolve(got), 10_000)
  socket.on('data', (d) => { got += d })
  socket.once('close', () => { clearTimeout(timer); resolve(got) })
})

async function connected(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1')
  socket.on('error', () => {})
  await new Promise((resolve) => socket.once('connect', resolve))
  return socket
}

/**
 * A POST /tenant sent but for the last byte of its body: the server has taken it (its headers
 * are read) and cannot answer before `finish` sends that byte. A request in flight for certain.
 */
async function heldRequest(port: number, token: string, query: string, variables: Record<string, unknown>) {
  const socket = await connected(port)
  const answer = untilClosed(socket)
  const whole = rawPost(token, JSON.stringify({ query, variables }))
  socket.write(whole.slice(0, -1))
  return {
    async finish(): Promise<Answer> {
      socket.write(whole.slice(-1))
      const raw = await answer
      const at = Date.now()
      const head = raw.slice(0, raw.indexOf('\r\n\r\n'))
      return {
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0),
        body: parseJson(raw.slice(head.length + 4)),
        requestId: /^x-request-id: (.+)$/im.exec(head)?.[1]?.trim() ?? null,
        at,
      }
    },
  }
}

/** A kept-alive connection that has had one answered request, so it is open and idle. */
async function idleKeptAliveSocket(port: number): Promise<Socket> {
  const socket = await connected(port)
  socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n')
  let got = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer on the kept-alive connection: ${got}`)), 5_000)
    const onData = (d: Buffer) => {
      got += d
      const head = got.indexOf('\r\n\r\n')
      const length = Number(/content-length: (\d+)/i.exec(got)?.[1] ?? NaN)
      if (head !== -1 && got.length >= head + 4 + length) {
        socket.off('data', onData)
        clearTimeout(timer)
        resolve()
      }
    }
    socket.on('data', onData)
  })
  assert.match(got, /^HTTP\/1\.1 200/)
  return socket
}

const SIGN_UP = 'mutation($email: String!, $password: String) { signUp(email: $email, password: $password) { ok error { code } result { person { id } } } }'
const RESET_REQUEST = 'mutation($email: String!) { createResetPasswordRequest(email: $email) { ok error { code } } }'
const PERSONS = '{ persons(limit: 1000) { id email } }'
const email = (label: string) => `${label}-${randomBytes(4).toString('hex')}@example.com`

test('SIGTERM under load: in-flight requests answered and logged, later ones refused and not run, exit 0, no mail lost', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tenant-api-sigterm-'))
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    CONTEMBER_ROOT_TOKEN: generateToken(),
    CONTEMBER_LOGIN_TOKEN: generateToken(),
    TENANT_ENCRYPTION_KEY: generateKey(),
    ...(backend === 'postgres' ? { DATABASE_URL: await createTestDatabaseUrl() } : {}),
  }
  const root = env.CONTEMBER_ROOT_TOKEN!
  const login = env.CONTEMBER_LOGIN_TOKEN!
  const first = await serve(env)
  const answers: Answer[] = []
  const ask = async (token: string, query: string, variables?: Record<string, unknown>) => {
    const answer = await gql(first.port, token, query, variables)
    answers.push(answer)
    return answer
  }

  // Persons whose password resets are asked for around the signal: their mails must not be lost.
  const resetEmails = [email('reset-a'), email('reset-b'), email('reset-c'), email('reset-held')]
  for (const e of resetEmails) assert.equal((await ask(root, SIGN_UP, { email: e, password: null })).body.data.signUp.ok, true)
  const kept = await idleKeptAliveSocket(first.port)
  // Listened to from now on: the server may close it (idle) as soon as it begins to stop.
  const keptAnswer = untilClosed(kept)

  // The burst: 25 sign-ups (each hashes a password; a small machine hashes one at a time), 25
  // `me`, and 3 password reset requests (each queues a mail and takes at least 150 ms).
  const signUpEmails = Array.from({ length: 25 }, (_, i) => email(`burst-${i}`))
  const burst = Promise.allSettled([
    ...signUpEmails.map((e) => ask(root, SIGN_UP, { email: e, password: goodPassword() })),
    ...Array.from({ length: 25 }, () => ask(root, '{ me { id } }')),
    ...resetEmails.slice(0, 3).map((e) => ask(login, RESET_REQUEST, { email: e })),
  ])
  // And requests the server has begun but cannot finish before the signal: two sign-ups and a
  // reset request whose bodies lack their last byte.
  const heldSignUps = [email('held-a'), email('held-b')]
  const held = await Promise.all([
    ...heldSignUps.map((e) => heldRequest(first.port, root, SIGN_UP, { email: e, password: goodPassword() })),
    heldRequest(first.port, login, RESET_REQUEST, { email: resetEmails[3] }),
  ])
  // The server has taken the burst once a request on a connection made after it is answered:
  // connections are accepted in order, and a busy server (PGlite runs on its event loop) may
  // take a while. (Connections still waiting in the kernel's accept queue when the server stops
  // are reset; they are not the server's yet.)
  await new Promise((r) => setTimeout(r, 50))
  assert.equal((await onFreshConnection(first.port, 'GET', '/health')).status, 200)

  const signalledAt = Date.now()
  process.kill(first.pid, 'SIGTERM')
  // Once the server says it is stopping, it takes nothing new.
  const stoppingAt = await first.waitForOutput(/SIGTERM received, finishing in-flight requests/, 5_000)

  // After that: a sign-up on a new connection, and one on a kept-alive connection that was idle.
  const lateFresh = email('late-fresh')
  const lateKept = email('late-kept')
  if (!kept.destroyed) kept.write(rawPost(root, JSON.stringify({ query: SIGN_UP, variables: { email: lateKept, password: goodPassword() } })), () => {})
  const fresh = await onFreshConnection(first.port, 'POST', '/tenant', { 'content-type': 'application/json', authorization: `Bearer ${root}` },
    JSON.stringify({ query: SIGN_UP, variables: { email: lateFresh, password: goodPassword() } }))
  // The requests in flight get the rest of their bodies.
  const finished = await Promise.all(held.map((h) => h.finish()))
  // Refused: no listener any more, a reset (it reached the accept queue as the listener closed),
  // or a 503; on the kept-alive connection a 503, or the connection closed without an answer.
  assert.ok(['ECONNREFUSED', 'ECONNRESET', 'EPIPE'].includes(fresh.error!) || fresh.status === 503, `a new connection after SIGTERM: ${JSON.stringify(fresh)}`)
  const onKept = await keptAnswer
  assert.ok(onKept === '' || /^HTTP\/1\.1 503 /.test(onKept), `a kept-alive connection after SIGTERM: ${onKept.slice(0, 300)}`)

  answers.push(...finished)
  const settled = await burst
  const rejected = settled.filter((s) => s.status === 'rejected')
  assert.deepEqual(rejected.map((s) => String((s as PromiseRejectedResult).reason?.cause ?? (s as PromiseRejectedResult).reason)), [], 'no request of the burst failed')
  const done = [...settled.map((s) => (s as PromiseFulfilledResult<Answer>).value), ...finished]
  for (const answer of done) {
    assert.equal(answer.status, 200, `${JSON.stringify(answer.body)}\n${first.output().slice(-3000)}`)
    assert.equal(answer.body.errors, undefined, JSON.stringify(answer.body))
    assert.ok(answer.requestId, 'every answer names its request id')
  }
  for (const answer of [...done.slice(0, 25), ...finished.slice(0, 2)]) assert.equal(answer.body.data.signUp.ok, true, JSON.stringify(answer.body))
  for (const answer of done.slice(25, 50)) assert.match(answer.body.data.me.id, /^[0-9a-f-]{36}$/)
  for (const answer of [...done.slice(50, 53), finished[2]!]) assert.deepEqual(answer.body.data.createResetPasswordRequest, { ok: true, error: null })
  assert.ok(finished.every((a) => a.at > stoppingAt), 'the held requests were answered after the server began to stop')

  let overdue: NodeJS.Timeout | undefined
  const exit = await Promise.race([first.exited, new Promise<never>((_, reject) => {
    overdue = setTimeout(() => reject(new Error(`still running:\n${first.output()}`)), SHUTDOWN_TIMEOUT_MS + 5_000)
  })]).finally(() => clearTimeout(overdue))
  assert.deepEqual([exit.code, exit.signal], [0, null], first.output())
  assert.ok(exit.at - signalledAt < SHUTDOWN_TIMEOUT_MS, `exited ${exit.at - signalledAt} ms after SIGTERM`)
  assert.doesNotMatch(first.output(), /shutdown timed out|shutdown failed|"level":50/)

  // Every answered request has its access line (matched by request id) with the status sent,
  // and no refused request has a 200 line.
  const lines = first.output().split('\n').filter((l) => l.includes('"msg":"request"')).map((l) => JSON.parse(l) as { reqId: string; path: string; status: number })
  const byId = new Map(lines.map((l) => [l.reqId, l]))
  for (const answer of answers) {
    const line = byId.get(answer.requestId!)
    assert.ok(line, `no access line for request ${answer.requestId}`)
    assert.deepEqual([line.path, line.status], ['/tenant', 200])
  }
  assert.equal(lines.filter((l) => l.path === '/tenant' && l.status === 200).length, answers.length)

  // The next start on the same storage: the sign-ups answered are there, the refused ones are
  // not, and every reset mail is held, once.
  const second = await serve(env)
  try {
    const persons = (await gql(second.port, root, PERSONS)).body.data.persons as { email: string }[]
    const emails = persons.map((p) => p.email).sort()
    assert.deepEqual(emails, [...signUpEmails, ...heldSignUps, ...resetEmails].sort(), 'exactly the answered sign-ups; none sent after SIGTERM')
    assert.equal(emails.includes(lateFresh) || emails.includes(lateKept), false)

    const outbox = join(dataDir, 'outbox')
    const heldMail = () => (existsSync(outbox) ? readdirSync(outbox) : []).filter((name) => name.endsWith('.json'))
      .map((name) => JSON.parse(readFileSync(join(outbox, name), 'utf8')) as { to: string; type: string })
    const deadline = Date.now() + 10_000
    while (heldMail().length < resetEmails.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    await new Promise((r) => setTimeout(r, 200))
    assert.deepEqual(heldMail().map((m) => `${m.type} ${m.to}`).sort(), resetEmails.map((e) => `RESET_PASSWORD_REQUEST ${e}`).sort())
  } finally {
    process.kill(second.pid, 'SIGTERM')
    const stopped = await second.exited
    assert.equal(stopped.code, 0, second.output())
  }
})
