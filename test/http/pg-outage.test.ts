import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { createPostgresDb } from '../../src/db/db.js'
import { generateToken } from '../../src/model/tokens.js'
import { startServer, type TestServer } from '../helpers/server.js'

// PostgreSQL goes away under load and comes back, with a cluster of this test's own (initdb +
// pg_ctl in a temporary directory, on a free port: never the shared database). While it is down
// the process stays up, /ready says 503 within seconds, and every request that needs the
// database fails fast with 503 "service unavailable" (never 500, never a hang). Once it is back
// the service resumes without a restart: the LISTEN connection is made again, the token cache
// is dropped (changes may have been missed), and no change was half-written.

// ---------------------------------------------------------------------------------------------
// A PostgreSQL cluster of our own

const versionOf = (dir: string) => dir.split('.').map(Number)
const byVersionDesc = (a: string, b: string) => {
  const [x, y] = [versionOf(a), versionOf(b)]
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (y[i] ?? 0) - (x[i] ?? 0)
  return 0
}

/** The directory holding initdb and pg_ctl: PG_BIN, else the newest /usr/lib/postgresql/<v>/bin. */
function findPgBin(): string | null {
  const has = (dir: string) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))
  if (process.env.PG_BIN) return has(process.env.PG_BIN) ? process.env.PG_BIN : null
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return null
  for (const version of readdirSync(root).sort(byVersionDesc)) {
    const dir = join(root, version, 'bin')
    if (has(dir)) return dir
  }
  return null
}

/** PostgreSQL refuses to run as root: as root the cluster belongs to, and runs as, the `postgres` account. */
function findRunAs(): { uid: number; gid: number } | null | 'none' {
  if (process.getuid?.() !== 0) return null
  try {
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'))
    if (!line) return 'none'
    const [, , uid, gid] = line.split(':')
    return { uid: Number(uid), gid: Number(gid) }
  } catch {
    return 'none'
  }
}

const pgBin = findPgBin()
const runAs = findRunAs()
const skipReason = pgBin === null
  ? 'PostgreSQL server binaries (initdb, pg_ctl) not found: set PG_BIN or install postgresql'
  : runAs === 'none' ? 'running as root and there is no `postgres` account to run PostgreSQL as' : false

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

interface Cluster {
  url: string
  start(): Promise<void>
  stop(mode: 'fast' | 'immediate'): Promise<void>
  log(): Promise<string>
  remove(): Promise<void>
}

async function createCluster(): Promise<Cluster> {
  const identity: { uid?: number; gid?: number } = runAs === null || runAs === 'none' ? {} : runAs
  const dir = await mkdtemp('/tmp/tenant-api-pg-outage-')
  const data = join(dir, 'data')
  const socket = join(dir, 'sock')
  const logFile = join(dir, 'postgres.log')
  await mkdir(socket)
  if (identity.uid !== undefined && identity.gid !== undefined) {
    await chown(dir, identity.uid, identity.gid)
    await chown(socket, identity.uid, identity.gid)
  }
  const port = await freePort()
  const run = (bin: string, args: string[]) => new Promise<string>((resolve, reject) => {
    // cwd: a directory the postgres account may enter (pg_ctl resolves paths from it).
    execFile(join(pgBin!, bin), args, { ...identity, cwd: dir, env: { PATH: process.env.PATH ?? '', LC_ALL: 'C' }, timeout: 60_000 },
      (error, stdout, stderr) => error ? reject(new Error(`${bin} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`)) : resolve(stdout + stderr))
  })
  await run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync'])
  // fsync=off: only the postgres process ever stops here (the OS keeps its page cache), so a
  // committed change survives every stop this test makes.
  const options = `-k ${socket} -p ${port} -c listen_addresses=127.0.0.1 -c fsync=off`
  let running = false
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      await run('pg_ctl', ['start', '-D', data, '-w', '-t', '30', '-l', logFile, '-o', options])
      running = true
    },
    async stop(mode) {
      if (!running) return
      await run('pg_ctl', ['stop', '-D', data, '-w', '-t', '30', '-m', mode])
      running = false
    },
    log: () => readFile(logFile, 'utf8').catch(() => ''),
    async remove() {
      await rm(dir, { recursive: true, force: true })
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Requests, timed and kept

type Kind = 'me' | 'signUp' | 'apiKey' | 'ready' | 'health'

interface Outcome {
  kind: Kind
  /** performance.now() when sent and when answered. */
  sentAt: number
  doneAt: number
  status: number
  body: any
  /** The email (signUp) or description (apiKey) the mutation was to create. */
  name?: string
  /** fetch itself failed (connection refused or reset, timed out): the server is gone or hangs. */
  error?: string
}

async function call(url: string, path: string, init: RequestInit, kind: Kind, name?: string): Promise<Outcome> {
  const sentAt = performance.now()
  try {
    const res = await fetch(`${url}${path}`, { ...init, signal: AbortSignal.timeout(20_000) })
    const text = await res.text()
    let body: unknown = text
    try { body = JSON.parse(text) } catch { /* kept as text */ }
    return { kind, sentAt, doneAt: performance.now(), status: res.status, body, name }
  } catch (error) {
    return { kind, sentAt, doneAt: performance.now(), status: 0, body: null, name, error: String(error) }
  }
}

const gqlCall = (url: string, token: string, kind: Kind, query: string, variables?: Record<string, unknown>, name?: string) =>
  call(url, '/tenant', {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }),
  }, kind, name)

const ME = '{ me { id } }'
const SIGN_UP = 'mutation ($email: String!) { signUp(email: $email) { ok error { code } result { person { id } } } }'
const CREATE_KEY = 'mutation ($d: String!) { createGlobalApiKey(description: $d, roles: ["login"]) { ok result { apiKey { id token } } } }'
const DISABLE_KEY = 'mutation ($id: String!) { disableApiKey(id: $id) { ok } }'

const unavailableMessage = /^Service unavailable: the database cannot be reached/

/** A 503 as the service says it: its body names the outage. */
const saysUnavailable = (o: Outcome) => o.status === 503 && Array.isArray(o.body?.errors) && o.body.errors.length > 0 &&
  o.body.errors.every((e: { message?: unknown }) => typeof e.message === 'string' && unavailableMessage.test(e.message))

const succeeded = (o: Outcome) => o.status === 200 && (
  o.kind === 'me' ? typeof o.body?.data?.me?.id === 'string'
    : o.kind === 'signUp' ? o.body?.data?.signUp?.ok === true
      : o.kind === 'apiKey' ? o.body?.data?.createGlobalApiKey?.ok === true : true)

const show = (o: Outcome, t0: number) =>
  `${o.kind}${o.name ? ` ${o.name}` : ''} sent at +${(o.sentAt - t0).toFixed(0)} ms, ${(o.doneAt - o.sentAt).toFixed(0)} ms: ` +
  (o.error ?? `${o.status} ${JSON.stringify(o.body).slice(0, 300)}`)

/** Polls `probe` until `done` holds; answers the last outcome and when it came. */
async function until(probe: () => Promise<Outcome>, done: (o: Outcome) => boolean, deadlineMs: number, everyMs = 50): Promise<Outcome> {
  const end = performance.now() + deadlineMs
  let last = await probe()
  while (!done(last) && performance.now() < end) {
    await sleep(everyMs)
    last = await probe()
  }
  return last
}

// ---------------------------------------------------------------------------------------------

let cluster: Cluster | undefined
const servers: TestServer[] = []
let loadRunning = false
let workers: Promise<void>[] = []
after(async () => {
  // The load first (a failed test may have left it running), then the servers (their pools and
  // LISTEN connections), then the cluster, then its files.
  loadRunning = false
  await Promise.all(workers)
  await Promise.all(servers.map((s) => s.close().catch(() => {})))
  await cluster?.stop('immediate').catch(() => {})
  await cluster?.remove().catch(() => {})
})

test('PostgreSQL outage under load: 503 fast, the process stays up, and it resumes without a restart', { skip: skipReason, timeout: 120_000 }, async () => {
  // An 'error' event nobody listens to (a pg client losing its connection, say) ends a real
  // process. Here node:test fails the test with failureType 'uncaughtException' at once; the
  // list below catches what it might not attribute to this test.
  const crashes: unknown[] = []
  const onCrash = (error: unknown) => { crashes.push(error) }
  process.on('uncaughtException', onCrash)
  process.on('unhandledRejection', onCrash)
  try {
    cluster = await createCluster()
    await cluster.start()
    const root = generateToken()
    const login = generateToken()
    const env = { CONTEMBER_ROOT_TOKEN: root, CONTEMBER_LOGIN_TOKEN: login }
    // A long cache lifetime: a cached key that stops working after the outage was dropped by the
    // reset, not by its age.
    const a = await startServer({ db: createPostgresDb(cluster.url), env: { ...env, TOKEN_CACHE_TTL_MS: '600000' } })
    servers.push(a)
    const admin = new pg.Client({ connectionString: cluster.url })

    // --- A key node A has cached, then disabled behind its back (no announcement): only
    // dropping the cache makes A see it.
    const created = await gqlCall(a.url, root, 'apiKey', CREATE_KEY, { d: 'stale-after-outage' })
    const stale = created.body.data.createGlobalApiKey.result.apiKey as { id: string; token: string }
    assert.equal((await gqlCall(a.url, stale.token, 'me', ME)).status, 200)
    await admin.connect()
    await admin.query('UPDATE api_key SET disabled_at = now() WHERE id = $1', [stale.id])
    await admin.end()
    assert.equal((await gqlCall(a.url, stale.token, 'me', ME)).status, 200, 'node A answers the silently disabled key from its cache')

    // --- Load: concurrent cached reads and mutations that write.
    const t0 = performance.now()
    const outcomes: Outcome[] = []
    let serial = 0
    loadRunning = true
    const worker = async (w: number) => {
      for (let i = 0; loadRunning; i++) {
        const n = serial++
        const pick = (i + w) % 4
        const o = pick === 0 ? await gqlCall(a.url, root, 'signUp', SIGN_UP, { email: `load-${n}@example.com` }, `load-${n}@example.com`)
          : pick === 1 ? await gqlCall(a.url, root, 'apiKey', CREATE_KEY, { d: `load-key-${n}` }, `load-key-${n}`)
            : await gqlCall(a.url, root, 'me', ME)
        outcomes.push(o)
        await sleep(10)
      }
    }
    workers = Array.from({ length: 8 }, (_, w) => worker(w))
    await sleep(1500)
    assert.ok(outcomes.some((o) => o.kind === 'signUp' && succeeded(o)), 'sign-ups succeed before the outage')

    // --- PostgreSQL stops.
    const stopAt = performance.now()
    await cluster.stop('fast')
    const downAt = performance.now()
    const probes: Outcome[] = []
    const ready503 = await until(async () => { const o = await call(a.url, '/ready', {}, 'ready'); probes.push(o); return o }, (o) => o.status === 503, 5000)
    assert.equal(ready503.status, 503, `/ready while PostgreSQL is down: ${show(ready503, t0)}`)
    assert.ok(ready503.doneAt - stopAt < 5000, `/ready said 503 ${(ready503.doneAt - stopAt).toFixed(0)} ms after the stop began`)
    assert.equal(ready503.body?.status, 'unavailable')
    // Down for a while, under load; the process keeps answering /health and /ready meanwhile.
    while (performance.now() - downAt < 4000) {
      probes.push(await call(a.url, '/health', {}, 'health'))
      probes.push(await call(a.url, '/ready', {}, 'ready'))
      await sleep(200)
    }
    const staleDuringOutage = await gqlCall(a.url, stale.token, 'me', ME)

    // --- PostgreSQL starts again; the same process resumes.
    const startAt = performance.now()
    await cluster.start()
    const upAt = performance.now()
    const resumed = await until(() => gqlCall(a.url, root, 'signUp', SIGN_UP, { email: 'after-outage@example.com' }, 'after-outage@example.com'), succeeded, 5000, 100)
    outcomes.push(resumed)
    assert.ok(succeeded(resumed), `a sign-up after PostgreSQL is back: ${show(resumed, t0)}`)
    const ready200 = await until(() => call(a.url, '/ready', {}, 'ready'), (o) => o.status === 200, 5000)
    assert.equal(ready200.status, 200, `/ready after PostgreSQL is back: ${show(ready200, t0)}`)
    // The reset dropped the cache: the silently disabled key is read again, and refused. (LISTEN
    // is retried every second; onReset runs once it listens again.)
    const staleRefused = await until(() => gqlCall(a.url, stale.token, 'me', ME), (o) => o.status === 401, 5000)
    const resetAfterMs = staleRefused.doneAt - upAt
    await sleep(1000)
    loadRunning = false
    await Promise.all(workers)

    // --- Every request succeeded or said 503 "unavailable" (never a 500 or an internal error in a
    // 200, never a dropped connection), each within ~6 s.
    const all = [...outcomes, ...probes]
    const broken = all.filter((o) => o.error !== undefined ||
      (o.kind === 'health' ? o.status !== 200 : o.kind === 'ready' ? ![200, 503].includes(o.status) : !succeeded(o) && !saysUnavailable(o)))
    assert.deepEqual(broken.map((o) => show(o, t0)), [], 'every answer is a success or a 503 saying the service is unavailable')
    const slow = all.filter((o) => o.doneAt - o.sentAt > 6000)
    assert.deepEqual(slow.map((o) => show(o, t0)), [], 'every request answered within 6 s')
    const badBodies = all.filter((o) => o.status === 503 && o.kind !== 'ready' && !saysUnavailable(o))
    assert.deepEqual(badBodies.map((o) => show(o, t0)), [], 'every 503 says the service is unavailable')
    assert.ok(probes.filter((o) => o.kind === 'health').every((o) => o.status === 200 && o.body?.status === 'ok'), '/health answers throughout')
    // Sent after the stop finished and answered before the start began: the database was gone.
    const whileDown = outcomes.filter((o) => o.sentAt >= downAt && o.doneAt <= startAt)
    const writesWhileDown = whileDown.filter((o) => o.kind !== 'me')
    assert.ok(writesWhileDown.length >= 10, `mutations were sent while PostgreSQL was down (${writesWhileDown.length})`)
    assert.deepEqual(writesWhileDown.filter((o) => !saysUnavailable(o)).map((o) => show(o, t0)), [], 'a mutation while down is a 503')
    // Reads the token cache answers may succeed; nothing else does.
    assert.ok(whileDown.filter((o) => o.kind === 'me').every((o) => (o.status === 200 && succeeded(o)) || saysUnavailable(o)))
    assert.ok(probes.filter((o) => o.kind === 'ready' && o.sentAt >= ready503.doneAt && o.doneAt <= startAt).every((o) => o.status === 503),
      '/ready stays 503 while down')
    assert.equal(staleDuringOutage.status, 200, 'the stale cache entry was still there during the outage (so its later refusal is the reset)')
    assert.equal(staleRefused.status, 401, `the cache was dropped after the reconnect: the silently disabled key is refused (${show(staleRefused, t0)})`)
    assert.ok(resetAfterMs < 5000, `cache dropped ${resetAfterMs.toFixed(0)} ms after PostgreSQL was back`)
    assert.ok(outcomes.some((o) => o.sentAt >= upAt && o.kind === 'signUp' && succeeded(o)), 'sign-ups succeed again')
    assert.deepEqual(crashes.map(String), [], 'no uncaught exception or unhandled rejection')

    // --- LISTEN works again: a key disabled through a second node is refused by A within 1 s.
    const b = await startServer({ db: createPostgresDb(cluster.url), env })
    servers.push(b)
    const fresh = (await gqlCall(a.url, root, 'apiKey', CREATE_KEY, { d: 'disabled-through-b' })).body.data.createGlobalApiKey.result.apiKey as { id: string; token: string }
    for (let i = 0; i < 3; i++) assert.equal((await gqlCall(a.url, fresh.token, 'me', ME)).status, 200)
    const disabled = await gqlCall(b.url, root, 'apiKey', DISABLE_KEY, { id: fresh.id })
    assert.equal(disabled.body?.data?.disableApiKey?.ok, true, show(disabled, t0))
    const refused = await until(() => gqlCall(a.url, fresh.token, 'me', ME), (o) => o.status === 401, 2000, 10)
    assert.equal(refused.status, 401, 'node A hears the change through its re-made LISTEN connection')
    assert.ok(refused.doneAt - disabled.doneAt < 1000, `node A refused the key ${(refused.doneAt - disabled.doneAt).toFixed(0)} ms after B disabled it`)

    // --- Nothing half-written.
    const check = new pg.Client({ connectionString: cluster.url })
    await check.connect()
    try {
      // Persons always have their identity (a foreign key); an identity without a person must
      // have an API key (application keys, the bootstrap tokens): anything else is a sign-up
      // or a key creation that stopped halfway.
      const orphans = await check.query(`SELECT i.id, i.roles, i.description FROM identity i
        WHERE NOT EXISTS (SELECT 1 FROM person p WHERE p.identity_id = i.id)
          AND NOT EXISTS (SELECT 1 FROM api_key k WHERE k.identity_id = i.id)`)
      assert.deepEqual(orphans.rows, [], 'no identity without its person or key')
      const withoutPersonRole = await check.query(`SELECT i.id FROM identity i JOIN person p ON p.identity_id = i.id
        WHERE NOT ('person' = ANY (i.roles))`)
      assert.deepEqual(withoutPersonRole.rows, [], 'every person\'s identity has the person role')
      const emails = new Set((await check.query<{ email: string }>('SELECT email FROM person')).rows.map((r) => r.email))
      const descriptions = new Set((await check.query<{ description: string }>(
        'SELECT i.description FROM identity i JOIN api_key k ON k.identity_id = i.id WHERE i.description IS NOT NULL')).rows.map((r) => r.description))
      const signUps = outcomes.filter((o) => o.kind === 'signUp')
      const keys = outcomes.filter((o) => o.kind === 'apiKey')
      assert.deepEqual(signUps.filter((o) => succeeded(o) && !emails.has(o.name!)).map((o) => show(o, t0)), [], 'every sign-up that answered ok is stored')
      assert.deepEqual(signUps.filter((o) => !succeeded(o) && emails.has(o.name!)).map((o) => show(o, t0)), [], 'no sign-up that failed is stored')
      assert.deepEqual(keys.filter((o) => succeeded(o) && !descriptions.has(o.name!)).map((o) => show(o, t0)), [], 'every key that answered ok is stored')
      assert.deepEqual(keys.filter((o) => !succeeded(o) && descriptions.has(o.name!)).map((o) => show(o, t0)), [], 'no key creation that failed is stored')
      assert.equal(emails.size, signUps.filter(succeeded).length, 'no other person was made')
    } finally {
      await check.end()
    }

    const count = (kind: Kind, f: (o: Outcome) => boolean) => outcomes.filter((o) => o.kind === kind && f(o)).length
    const maxMs = Math.max(...whileDown.map((o) => o.doneAt - o.sentAt))
    console.log(`pg-outage: ${outcomes.length} requests; signUp ok ${count('signUp', succeeded)} / 503 ${count('signUp', saysUnavailable)}; ` +
      `createGlobalApiKey ok ${count('apiKey', succeeded)} / 503 ${count('apiKey', saysUnavailable)}; me 200 ${count('me', succeeded)} / 503 ${count('me', saysUnavailable)}; ` +
      `pg_ctl stop ${(downAt - stopAt).toFixed(0)} ms, /ready 503 after ${(ready503.doneAt - stopAt).toFixed(0)} ms, slowest request while down ${maxMs.toFixed(0)} ms, ` +
      `pg_ctl start ${(upAt - startAt).toFixed(0)} ms, cache dropped ${resetAfterMs.toFixed(0)} ms after start, B->A ${(refused.doneAt - disabled.doneAt).toFixed(0)} ms`)
  } catch (error) {
    const log = await cluster?.log()
    if (log) console.log(`--- postgres.log (last lines) ---\n${log.split('\n').slice(-40).join('\n')}`)
    throw error
  } finally {
    loadRunning = false
    process.off('uncaughtException', onCrash)
    process.off('unhandledRejection', onCrash)
  }
})
