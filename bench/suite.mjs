#!/usr/bin/env node
// `npm run bench`: the load figures of issue 13, in one run on one machine.
//
// It makes a fresh PostgreSQL database on 127.0.0.1:5432 (dropped at the end, also after a
// failure or Ctrl-C), starts tenant-api from the build (`node bin/tenant-api.js serve`) on it
// with the default configuration (LOG_LEVEL=info, metrics on; its log goes to a file), starts a
// bare node:http server as the reference point (bench/bare.mjs) and, for (a), the framework
// alone (bench/framework.mjs: Fastify + Mercurius answering a constant), and measures with autocannon:
//   a  `{ me { id roles } }` with a permanent API key at 1, 16 and 64 connections, and the bare
//      server at the same counts (the ratio)
//   b  POST /introspect (an introspector asking about that key in its project) at 64
//   c  signIn at 8 (one person per connection, the right password: no back-off applies)
//   d  createApiKey at 8 (root token)
//   e  a at 64 while c runs
//   f  a and b at 64 on a database seeded with 1,000,000 persons, 10,000 projects and
//      1,000,000 memberships (bench/seed.mjs), against the empty-database figures
//   g  the first page (100) of projectBySlug { members } of a project with 100,000 members
//   h  tenant-api's RSS during a (largest sample), and start to ready on an existing PGlite
//      data directory (median of three starts)
// then prints the machine, the commit and one Markdown table, for bench/RESULTS.md.
//
// usage: node bench/suite.mjs [--duration 10] [--only a,b,...] [--seed] [--log-level info]
//                             [--pg postgres://postgres@127.0.0.1:5432/postgres] [--profile DIR] [--keep-log]
//   --seed       adds f and g (seeding takes a minute or two); `--only f,g` selects them as well
//   --profile    runs the PostgreSQL server with `node --cpu-prof`, profiles written to DIR at its stop
//   --keep-log   keeps tenant-api's log file (its path is printed)
// Every request of every scenario must succeed: each kind is checked once before it is loaded,
// and under load autocannon checks every answer (non-2xx, GraphQL `errors`, `ok: false` count as
// errors). A missed target is a figure, not a failure; the exit status is non-zero only when
// something broke (an error answer, a server that did not start or died). Loopback only; the
// run stops by itself (a watchdog ends it if it takes far longer than it should).
import autocannon from 'autocannon'
import pg from 'pg'
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { BIG_PROJECT_SLUG, SEED_ACL, SEED_DEFAULTS, assertLoopbackDatabase, seed } from './seed.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const CLI = path.join(ROOT, 'bin', 'tenant-api.js')
const BARE = path.join(ROOT, 'bench', 'bare.mjs')
const FRAMEWORK = path.join(ROOT, 'bench', 'framework.mjs')
const ALL = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']
const SEEDED = ['f', 'g']

// ---------------------------------------------------------------------------------------------
// Options

const USAGE = 'usage: node bench/suite.mjs [--duration 10] [--only a,b,c,d,e,f,g,h] [--seed] [--log-level info] ' +
  '[--pg postgres://postgres@127.0.0.1:5432/postgres] [--profile DIR] [--keep-log]'

function parseOptions(argv) {
  const options = {
    duration: 10, only: null, seed: false, logLevel: 'info',
    pg: 'postgres://postgres@127.0.0.1:5432/postgres', profile: null, keepLog: false,
  }
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i]
    const value = () => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${name} needs a value`)
      return v
    }
    if (name === '--duration') options.duration = Number(value())
    else if (name === '--only') options.only = value().split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)
    else if (name === '--seed') options.seed = true
    else if (name === '--log-level') options.logLevel = value()
    else if (name === '--pg') options.pg = value()
    else if (name === '--profile') options.profile = path.resolve(value())
    else if (name === '--keep-log') options.keepLog = true
    else if (name === '--help' || name === '-h') { process.stdout.write(USAGE + '\n'); process.exit(0) }
    else throw new Error(`unknown option ${name}`)
  }
  if (!Number.isFinite(options.duration) || options.duration < 1 || options.duration > 120) throw new Error('--duration must be 1 to 120 seconds')
  if (options.only?.some((s) => !ALL.includes(s))) throw new Error(`--only takes scenarios among ${ALL.join(',')}`)
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(options.logLevel)) throw new Error(`--log-level ${options.logLevel} is not a level`)
  assertLoopbackDatabase(options.pg)
  return options
}

// ---------------------------------------------------------------------------------------------
// Processes, the database and cleaning up after them

const state = {
  /** @type {Set<{ name: string, child: import('node:child_process').ChildProcess, exited: Promise<unknown> }>} */
  children: new Set(),
  /** @type {Set<{ stop(): void }>} */
  instances: new Set(),
  adminUrl: '',
  /** @type {string | null} */
  dbName: null,
  /** @type {string[]} */
  tmpDirs: [],
  keepDirs: new Set(),
  /** @type {Promise<void> | null} */
  cleaning: null,
}

const say = (line) => process.stderr.write(`bench: ${line}\n`)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const alive = (child) => child.exitCode === null && child.signalCode === null

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.unref()
    probe.on('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (probe.address())
      probe.close(() => resolve(port))
    })
  })
}

function tmpDir(prefix) {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix))
  state.tmpDirs.push(dir)
  return dir
}

/** Starts `node <args>` with its output appended to `logFile`. */
function startProcess(name, args, { env, logFile, ipc = false }) {
  const out = openSync(logFile, 'a')
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', out, out, ...(ipc ? ['ipc'] : [])] })
  closeSync(out)
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  child.once('error', (error) => say(`${name}: ${error.message}`))
  const proc = { name, child, exited, logFile }
  state.children.add(proc)
  exited.then(() => state.children.delete(proc))
  return proc
}

async function stopProcess(proc, graceMs = 15_000) {
  if (!alive(proc.child)) return
  proc.child.kill('SIGTERM')
  const timer = new Promise((resolve) => setTimeout(resolve, graceMs).unref())
  await Promise.race([proc.exited, timer])
  if (alive(proc.child)) {
    say(`${proc.name} did not stop within ${graceMs} ms; killing it`)
    proc.child.kill('SIGKILL')
    await proc.exited
  }
}

function logTail(file, lines = 15) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

/** Polls GET /ready until it answers 200; fails when the process exits or the time is up. */
async function waitReady(proc, base, timeoutMs, pollMs = 20) {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline) {
    if (!alive(proc.child)) throw new Error(`${proc.name} exited before it was ready; the end of its log:\n${logTail(proc.logFile)}`)
    try {
      const res = await fetch(`${base}/ready`, { signal: AbortSignal.timeout(2000) })
      await res.arrayBuffer()
      if (res.status === 200) return
    } catch {
      // not listening yet
    }
    await sleep(pollMs)
  }
  throw new Error(`${proc.name} was not ready within ${timeoutMs} ms; the end of its log:\n${logTail(proc.logFile)}`)
}

async function adminQuery(sql) {
  const client = new pg.Client({ connectionString: state.adminUrl })
  await client.connect()
  try {
    return await client.query(sql)
  } finally {
    await client.end()
  }
}

function cleanup() {
  state.cleaning ??= (async () => {
    for (const instance of state.instances) instance.stop()
    await Promise.all([...state.children].map((proc) => stopProcess(proc, 10_000).catch(() => {})))
    if (state.dbName) {
      const name = state.dbName
      state.dbName = null
      try {
        await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
        say(`dropped database ${name}`)
      } catch (error) {
        say(`could not drop database ${name}: ${error instanceof Error ? error.message : error} (drop it by hand)`)
      }
    }
    for (const dir of state.tmpDirs) {
      if (!state.keepDirs.has(dir)) rmSync(dir, { recursive: true, force: true })
    }
  })()
  return state.cleaning
}

// ---------------------------------------------------------------------------------------------
// Requests

const ME = '{ me { id roles } }'
const SIGN_UP = 'mutation ($email: String!, $password: String!) { signUp(email: $email, password: $password) { ok error { code } } }'
const SIGN_IN = 'mutation ($email: String!, $password: String!) { signIn(email: $email, password: $password) { ok error { code retryAfter } result { token } } }'
const CREATE_KEY = 'mutation { createApiKey(projectSlug: "bench", description: "bench load", memberships: [{ role: "editor", variables: [{ name: "language", values: ["cs"] }] }]) { ok error { code } result { apiKey { id } } } }'
const MEMBERS = `{ projectBySlug(slug: "${BIG_PROJECT_SLUG}") { members(input: { limit: 100, offset: 0 }) { identity { id } memberships { role } } } }`
const SIGN_IN_PASSWORD = 'Bench-Passw0rd-2026'
const SIGN_IN_CONNECTIONS = 8
const MEMBERS_CONNECTIONS = 4
const MEMBERS_SLOW_REQUESTS = 24

const json = (token) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' })
const noErrors = (body) => !body.includes('"errors"')

async function post(url, headers, body) {
  const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(60_000) })
  const text = await res.text()
  let parsed = null
  try {
    parsed = JSON.parse(text)
  } catch {
    // reported below
  }
  return { status: res.status, text, body: parsed, ms: 0 }
}

async function gql(base, token, query, variables) {
  const { status, text, body } = await post(`${base}/tenant`, json(token), JSON.stringify({ query, variables }))
  if (status !== 200 || !body || body.errors) throw new Error(`${query.slice(0, 70)}… answered HTTP ${status}: ${text.slice(0, 600)}`)
  return body.data
}

/** Sends a load spec's request once (as client number `clientIndex` would) and checks the answer. */
async function precheck(spec, check) {
  const body = spec.bodyFor ? spec.bodyFor(0) : spec.body
  const t0 = performance.now()
  const answer = await post(spec.url, spec.headers, body)
  answer.ms = performance.now() - t0
  const problem = answer.status !== 200 ? `HTTP ${answer.status}` : !answer.body ? 'not JSON' : check(answer.body)
  if (problem) throw new Error(`${spec.title}: the check before loading failed (${problem}): ${answer.text.slice(0, 600)}`)
  if (!spec.verify(answer.text)) throw new Error(`${spec.title}: the load check would refuse this answer: ${answer.text.slice(0, 600)}`)
  return answer
}

// ---------------------------------------------------------------------------------------------
// Load

/**
 * @typedef {{ title: string, url: string, headers: Record<string, string>, body?: string,
 *   bodyFor?: (clientIndex: number) => string, verify: (body: string) => boolean, timeout?: number }} Spec
 * @typedef {{ title: string, connections: number, rps: number, p50: number, p99: number, failed: number, total: number }} Figure
 */

const broken = /** @type {string[]} */ ([])

/** One autocannon run; answers failing `verify` count as errors, like non-2xx ones. */
function load(spec, connections, seconds, { warmUp = false, amount = undefined } = {}) {
  return new Promise((resolve, reject) => {
    let next = 0
    const instance = autocannon({
      url: spec.url,
      method: 'POST',
      connections,
      // A fixed number of requests instead of a duration where answers take seconds: a
      // duration would drop every request still running at its end.
      ...(amount ? { amount } : { duration: seconds }),
      timeout: spec.timeout ?? 10,
      headers: spec.headers,
      body: spec.body,
      verifyBody: spec.verify,
      // Each connection its own body where the scenario needs it (signIn: one person per connection).
      setupClient: spec.bodyFor ? (client) => client.setBody(spec.bodyFor(next++)) : undefined,
    }, (error, result) => {
      state.instances.delete(instance)
      if (error) return reject(error)
      const failed = result.errors + result.non2xx + (result.mismatches ?? 0)
      /** @type {Figure} */
      const figure = {
        title: spec.title, connections, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, failed, total: result.requests.total,
      }
      if (result.requests.total === 0) broken.push(`${spec.title} at ${connections}: no request completed`)
      if (failed > 0) {
        broken.push(`${spec.title} at ${connections}: ${failed} of ${result.requests.total} requests failed ` +
          `(errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx}, wrong answers ${result.mismatches ?? 0})`)
      }
      say(`${warmUp ? '(warm-up) ' : ''}${spec.title} @${connections}: ${Math.round(figure.rps)} req/s, p50 ${figure.p50} ms, p99 ${figure.p99} ms, failed ${failed}`)
      resolve(figure)
    })
    state.instances.add(instance)
  })
}

/** Samples the largest VmRSS of a process until the returned function is called. */
function sampleRss(pid) {
  let max = 0
  const read = () => {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
      if (match) max = Math.max(max, Number(match[1]) * 1024)
    } catch {
      // the process is gone; keep what was read
    }
  }
  read()
  const timer = setInterval(read, 200)
  return () => {
    clearInterval(timer)
    read()
    return max
  }
}

// ---------------------------------------------------------------------------------------------
// The machine

function machine(options, pgVersion) {
  const cpuinfo = (() => {
    try {
      return readFileSync('/proc/cpuinfo', 'utf8')
    } catch {
      return ''
    }
  })()
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown CPU'
  const git = (...args) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    } catch {
      return ''
    }
  }
  const commit = git('rev-parse', '--short', 'HEAD') || 'unknown'
  const dirty = git('status', '--porcelain', '--', 'src', 'bin', 'package.json', 'package-lock.json') !== ''
  const autocannonVersion = (() => {
    try {
      return JSON.parse(readFileSync(path.join(ROOT, 'node_modules', 'autocannon', 'package.json'), 'utf8')).version
    } catch {
      return '?'
    }
  })()
  return [
    `Date: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}. Commit: ${commit}${dirty ? ' (with uncommitted changes in src/ or package files)' : ''}.`,
    `Machine: ${os.cpus().length} cores (${model}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()}, Node ${process.version}, ${pgVersion}.`,
    `tenant-api: \`node bin/tenant-api.js serve\` on PostgreSQL (a fresh database), LOG_LEVEL=${options.logLevel} (log to a file), other settings default; ` +
      `autocannon ${autocannonVersion}, ${options.duration} s per measurement; load generator, servers and PostgreSQL share the machine over loopback.`,
  ]
}

// ---------------------------------------------------------------------------------------------
// The table

const ok = (pass) => (pass ? '✓' : '✗')
// autocannon keeps whole milliseconds (a value n means n to n+1 ms), so 0 is below one.
const ms = (v) => (v === undefined || v === null ? '—' : v === 0 ? '< 1' : Number.isInteger(v) ? String(v) : v.toFixed(1))
const rps = (v) => (v < 10 ? v.toFixed(1) : String(Math.round(v)))
const ratio = (v) => (v === null || v === undefined ? '—' : v.toFixed(2))
const mib = (bytes) => `${Math.round(bytes / 2 ** 20)} MiB`

/** @type {{ scenario: string, connections: string, rps: string, p50: string, p99: string, failed: string, ratio: string, target: string }[]} */
const rows = []
function row(scenario, figure, { ratioValue = null, target = '' } = {}) {
  rows.push({
    scenario,
    connections: figure ? String(figure.connections) : '—',
    rps: figure ? rps(figure.rps) : '—',
    p50: figure ? ms(figure.p50) : '—',
    p99: figure ? ms(figure.p99) : '—',
    failed: figure ? String(figure.failed) : '—',
    ratio: ratio(ratioValue),
    target,
  })
}

function table() {
  const head = ['scenario', 'connections', 'req/s', 'p50 ms', 'p99 ms', 'errors + non-2xx', 'ratio', 'target']
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`]
  for (const r of rows) lines.push(`| ${[r.scenario, r.connections, r.rps, r.p50, r.p99, r.failed, r.ratio, r.target].join(' | ')} |`)
  return lines.join('\n')
}

// ---------------------------------------------------------------------------------------------
// The run

async function main(options) {
  const started = performance.now()
  const selected = new Set(options.only ?? ALL.filter((s) => options.seed || !SEEDED.includes(s)))
  const seeding = selected.has('f') || selected.has('g')
  const seconds = options.duration
  const warmSeconds = Math.min(3, seconds)
  state.adminUrl = options.pg

  // The database
  const { rows: [version] } = await adminQuery('SHOW server_version')
  const pgVersion = `PostgreSQL ${String(version?.server_version ?? '?').split(' ')[0]} on 127.0.0.1`
  const dbName = `bench_${randomBytes(6).toString('hex')}`
  await adminQuery(`CREATE DATABASE "${dbName}"`)
  state.dbName = dbName
  const dbUrl = new URL(options.pg)
  dbUrl.pathname = `/${dbName}`
  say(`created database ${dbName}`)

  // The servers
  const work = tmpDir('tenant-api-bench-')
  if (options.keepLog) state.keepDirs.add(work)
  const logFile = path.join(work, 'tenant-api.log')
  const tokens = {
    CONTEMBER_ROOT_TOKEN: randomBytes(20).toString('hex'),
    CONTEMBER_LOGIN_TOKEN: randomBytes(20).toString('hex'),
    TENANT_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
  }
  // A clean environment: the shell's LOG_LEVEL, GRAPHQL_* or METRICS_PORT must not change what is measured.
  const baseEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? work, TMPDIR: os.tmpdir(), HOST: '127.0.0.1', LOG_LEVEL: options.logLevel, ...tokens,
    // Node's own flags for tenant-api (e.g. heap sizes) pass through; the bare server runs without.
    ...(process.env.NODE_OPTIONS ? { NODE_OPTIONS: process.env.NODE_OPTIONS } : {}),
  }
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  if (options.profile) mkdirSync(options.profile, { recursive: true })
  // The flag every launcher of the server uses (bin/tenant-api.js's shebang, npm start, the image).
  const nodeFlags = ['--max-semi-space-size=4', ...(options.profile ? ['--cpu-prof', `--cpu-prof-dir=${options.profile}`] : [])]
  const server = startProcess('tenant-api', [...nodeFlags, CLI, 'serve'], {
    env: { ...baseEnv, PORT: String(port), DATABASE_URL: dbUrl.href, DATA_DIR: path.join(work, 'unused-data') }, logFile,
  })
  const barePort = await freePort()
  const bareBase = `http://127.0.0.1:${barePort}`
  const bare = startProcess('bare server', [BARE, String(barePort)], { env: { PATH: baseEnv.PATH }, logFile: path.join(work, 'bare.log'), ipc: true })
  const frameworkPort = await freePort()
  const framework = startProcess('framework reference', [FRAMEWORK, String(frameworkPort)], { env: { PATH: baseEnv.PATH }, logFile: path.join(work, 'framework.log'), ipc: true })
  const reported = (reference) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ${reference.name} did not start within 10 s`)), 10_000)
    reference.child.once('message', () => { clearTimeout(timer); resolve(undefined) })
    reference.exited.then(() => reject(new Error(`the ${reference.name} exited: ${logTail(reference.logFile)}`)))
  })
  await Promise.all([waitReady(server, base, 60_000), reported(bare), reported(framework)])
  const rssIdle = sampleRss(/** @type {number} */ (server.child.pid))()
  say(`tenant-api ready on ${base} (pid ${server.child.pid}, log ${logFile}), bare server on ${bareBase}`)
  const checkAlive = () => {
    if (!alive(server.child)) throw new Error(`tenant-api died during the run; the end of its log:\n${logTail(logFile)}`)
  }

  // What the scenarios need, made through the API as an operator would
  const root = tokens.CONTEMBER_ROOT_TOKEN
  const created = await gql(base, root, 'mutation ($config: Json) { createProject(projectSlug: "bench", name: "Bench", config: $config, options: { noDeployToken: true }) { ok error { code developerMessage } } }', { config: SEED_ACL })
  if (!created.createProject.ok) throw new Error(`createProject: ${JSON.stringify(created.createProject.error)}`)
  const appKey = await gql(base, root, CREATE_KEY.replace('"bench load"', '"bench application"').replace('apiKey { id }', 'apiKey { id token identity { id } }'))
  if (!appKey.createApiKey.ok) throw new Error(`createApiKey: ${JSON.stringify(appKey.createApiKey.error)}`)
  const app = appKey.createApiKey.result.apiKey.token
  const appIdentity = appKey.createApiKey.result.apiKey.identity.id
  const introspectorKey = await gql(base, root, 'mutation { createGlobalApiKey(description: "bench introspector", roles: ["introspector"]) { ok error { code } result { apiKey { token } } } }')
  if (!introspectorKey.createGlobalApiKey.ok) throw new Error(`createGlobalApiKey: ${JSON.stringify(introspectorKey.createGlobalApiKey.error)}`)
  const introspector = introspectorKey.createGlobalApiKey.result.apiKey.token
  const signInEmails = Array.from({ length: SIGN_IN_CONNECTIONS }, (_, i) => `bench-signin-${i}@bench.example`)
  if (selected.has('c') || selected.has('e')) {
    for (const email of signInEmails) {
      const signedUp = await gql(base, root, SIGN_UP, { email, password: SIGN_IN_PASSWORD })
      if (!signedUp.signUp.ok) throw new Error(`signUp ${email}: ${JSON.stringify(signedUp.signUp.error)}`)
    }
  }

  /** @type {Record<string, Spec>} */
  const specs = {
    me: {
      title: '`me`', url: `${base}/tenant`, headers: json(app), body: JSON.stringify({ query: ME }),
      verify: (b) => b.startsWith('{"data":{"me":{"id":"') && noErrors(b),
    },
    introspect: {
      title: 'POST /introspect', url: `${base}/introspect`, headers: json(introspector), body: JSON.stringify({ token: app, project: 'bench' }),
      verify: (b) => b.startsWith('{"active":true') && b.includes('"role":"editor"'),
    },
    signIn: {
      title: 'signIn', url: `${base}/tenant`, headers: json(tokens.CONTEMBER_LOGIN_TOKEN),
      bodyFor: (i) => JSON.stringify({ query: SIGN_IN, variables: { email: signInEmails[i % signInEmails.length], password: SIGN_IN_PASSWORD } }),
      verify: (b) => b.includes('"ok":true') && noErrors(b),
    },
    createApiKey: {
      title: 'createApiKey', url: `${base}/tenant`, headers: json(root), body: JSON.stringify({ query: CREATE_KEY }),
      verify: (b) => b.includes('"ok":true') && noErrors(b),
    },
    members: {
      title: 'projectBySlug { members } first page', url: `${base}/tenant`, headers: json(root), body: JSON.stringify({ query: MEMBERS }),
      verify: (b) => b.startsWith('{"data":{"projectBySlug":{"members":[{') && noErrors(b), timeout: 120,
    },
    bare: { title: 'bare node:http', url: `${bareBase}/`, headers: json(app), body: JSON.stringify({ query: ME }), verify: () => true },
    framework: {
      title: 'Fastify + Mercurius alone', url: `http://127.0.0.1:${frameworkPort}/tenant`, headers: json(app), body: JSON.stringify({ query: ME }),
      verify: (b) => b.startsWith('{"data":{"me":{"id":"') && noErrors(b),
    },
  }

  // One answer of each kind, checked before any load
  const bareAnswer = await precheck(specs.bare, () => null)
  specs.bare.verify = (b) => b === bareAnswer.text
  await precheck(specs.framework, (b) => (b.data?.me?.id ? null : 'no identity'))
  await precheck(specs.me, (b) => (b.data?.me?.id === appIdentity ? null : 'not the key\'s identity'))
  await precheck(specs.introspect, (b) => (b.active === true && b.identityId === appIdentity && b.project?.memberships?.[0]?.role === 'editor' ? null : 'not the key in its project'))
  if (selected.has('c') || selected.has('e')) {
    await precheck(specs.signIn, (b) => (b.data?.signIn?.ok && /^[0-9a-f]{40}$/.test(b.data.signIn.result?.token ?? '') ? null : 'no session token'))
  }
  if (selected.has('d')) await precheck(specs.createApiKey, (b) => (b.data?.createApiKey?.ok ? null : 'not created'))
  say('every request kind answered as it should')

  /** @type {Record<string, Figure>} */
  const fig = {}
  const bareFig = {}
  let frameworkFig = null
  let rssMax = 0

  // Warm-up (not recorded): JIT, caches, connection pool
  await load(specs.bare, 64, warmSeconds, { warmUp: true })
  await load(specs.me, 64, warmSeconds, { warmUp: true })
  checkAlive()

  // (a) and the bare server, with RSS sampling (h)
  const aCounts = selected.has('a') ? [1, 16, 64] : selected.has('b') || selected.has('f') || selected.has('h') ? [64] : []
  for (const connections of aCounts) {
    if (selected.has('a') || selected.has('b')) bareFig[connections] = await load(specs.bare, connections, seconds)
    if (connections === 64 && selected.has('a')) {
      await load(specs.framework, 64, Math.min(2, seconds), { warmUp: true })
      frameworkFig = await load(specs.framework, 64, seconds)
    }
    const stop = sampleRss(/** @type {number} */ (server.child.pid))
    fig[`me${connections}`] = await load(specs.me, connections, seconds)
    rssMax = Math.max(rssMax, stop())
    checkAlive()
    await sleep(500)
  }

  // (b)
  if (selected.has('b') || selected.has('f')) {
    await load(specs.introspect, 64, Math.min(2, seconds), { warmUp: true })
    fig.introspect64 = await load(specs.introspect, 64, seconds)
    checkAlive()
    await sleep(500)
  }

  // (c)
  if (selected.has('c')) {
    fig.signIn = await load(specs.signIn, SIGN_IN_CONNECTIONS, seconds)
    checkAlive()
    await sleep(500)
  }

  // (d)
  if (selected.has('d')) {
    fig.createApiKey = await load(specs.createApiKey, 8, seconds)
    checkAlive()
    await sleep(1000)
  }

  // (e): two autocannon instances at once
  if (selected.has('e')) {
    const [me, signIn] = await Promise.all([load(specs.me, 64, seconds), load(specs.signIn, SIGN_IN_CONNECTIONS, seconds)])
    fig.eMe = me
    fig.eSignIn = signIn
    checkAlive()
    await sleep(500)
  }

  // (f), (g): the same server on a seeded database
  let seedSeconds = null
  let membersAmount
  if (seeding) {
    say(`seeding ${SEED_DEFAULTS.persons} persons, ${SEED_DEFAULTS.projects} projects, ${SEED_DEFAULTS.memberships} memberships …`)
    const seedStarted = performance.now()
    await seed(dbUrl.href, {}, say)
    seedSeconds = (performance.now() - seedStarted) / 1000
    checkAlive()
    // The seeded rows as the application reads them: the big project's first page, complete
    const membersAnswer = await precheck(specs.members, (b) => {
      const members = b.data?.projectBySlug?.members
      if (!Array.isArray(members) || members.length !== 100) return `expected 100 members, got ${members?.length}`
      return members.every((m) => m.memberships.length === 1 && m.memberships[0].role === 'editor') ? null : 'unexpected memberships'
    })
    const person = await gql(base, root, '{ persons(filter: { email: "seed-123456@bench.example" }) { email identity { roles projects { project { slug } memberships { role variables { name values } } } } } }')
      .catch((error) => ({ error }))
    if ('error' in person) say(`note: could not read a seeded person back (${person.error.message.slice(0, 200)})`)
    else say(`a seeded person as the API shows it: ${JSON.stringify(person).slice(0, 300)}`)
    if (selected.has('f')) {
      await load(specs.me, 64, warmSeconds, { warmUp: true })
      fig.fMe = await load(specs.me, 64, seconds)
      await sleep(500)
      fig.fIntrospect = await load(specs.introspect, 64, seconds)
      checkAlive()
      await sleep(500)
    }
    if (selected.has('g')) {
      // Answers slower than 100 ms: a fixed MEMBERS_SLOW_REQUESTS requests (every one counted) instead of the duration.
      membersAmount = membersAnswer.ms > 100 ? MEMBERS_SLOW_REQUESTS : undefined
      say(`(g): one answer took ${Math.round(membersAnswer.ms)} ms${membersAmount ? `; measuring ${membersAmount} requests instead of ${seconds} s` : ''}`)
      fig.members = await load(specs.members, MEMBERS_CONNECTIONS, seconds, { amount: membersAmount })
      checkAlive()
    }
  }

  let logBytes = 0
  try {
    logBytes = statSync(logFile).size
  } catch {
    // no log
  }
  await stopProcess(server)
  await stopProcess(bare)
  await stopProcess(framework)

  // (h) start to ready on an existing PGlite data directory
  let startTimes = null
  if (selected.has('h')) {
    const dataDir = path.join(tmpDir('tenant-api-bench-pglite-'), 'data')
    const pgliteLog = path.join(work, 'tenant-api-pglite.log')
    const startPglite = async () => {
      const p = await freePort()
      const t0 = performance.now()
      const proc = startProcess('tenant-api (PGlite)', [CLI, 'serve'], { env: { ...baseEnv, PORT: String(p), DATA_DIR: dataDir }, logFile: pgliteLog })
      await waitReady(proc, `http://127.0.0.1:${p}`, 60_000, 5)
      const elapsed = (performance.now() - t0) / 1000
      await stopProcess(proc)
      return elapsed
    }
    const first = await startPglite()
    say(`PGlite: first start (creates the data directory) ${first.toFixed(2)} s`)
    startTimes = []
    for (let i = 0; i < 3; i++) startTimes.push(await startPglite())
    say(`PGlite: start to ready on the existing directory: ${startTimes.map((t) => t.toFixed(2)).join(', ')} s`)
  }

  // The table
  const ratioOf = (a, b) => (a && b ? a.rps / b.rps : null)
  if (selected.has('a') || selected.has('b')) {
    for (const c of Object.keys(bareFig).map(Number)) row('bare `node:http` (reference)', bareFig[c])
  }
  if (frameworkFig) row('Fastify + Mercurius alone (the framework\'s ceiling)', frameworkFig, { ratioValue: ratioOf(frameworkFig, bareFig[64]) })
  for (const c of aCounts) {
    const f = fig[`me${c}`]
    const r = ratioOf(f, bareFig[c])
    const target = c === 64 && selected.has('a') && r !== null
      ? `(a) ratio ≥ 0.50 ${ok(r >= 0.5)}, p99 ≤ 10 ms ${ok(f.p99 <= 10)}`
      : c === 64 && selected.has('f') ? 'empty-database figure for (f)' : ''
    row(`(a) \`me\`, permanent key`, f, { ratioValue: r, target })
  }
  if (fig.introspect64) {
    const r = ratioOf(fig.introspect64, bareFig[64])
    row('(b) POST /introspect', fig.introspect64, { ratioValue: r, target: r !== null ? `ratio ≥ 0.55 ${ok(r >= 0.55)}` : selected.has('f') ? 'empty-database figure for (f)' : '' })
  }
  if (fig.signIn) row('(c) signIn (argon2id)', fig.signIn, { target: `≥ 40 req/s ${ok(fig.signIn.rps >= 40)}` })
  if (fig.createApiKey) row('(d) createApiKey', fig.createApiKey, { target: `≥ 1000 req/s ${ok(fig.createApiKey.rps >= 1000)}` })
  if (fig.eMe) {
    row('(e) `me` while signIn runs', fig.eMe, { ratioValue: ratioOf(fig.eMe, fig.me64), target: `p99 < 25 ms ${ok(fig.eMe.p99 < 25)}` })
    row('(e) signIn while `me` runs', fig.eSignIn, { ratioValue: ratioOf(fig.eSignIn, fig.signIn) })
  }
  if (fig.fMe) {
    const rMe = ratioOf(fig.fMe, fig.me64)
    const rIn = ratioOf(fig.fIntrospect, fig.introspect64)
    row('(f) `me`, seeded database', fig.fMe, { ratioValue: rMe, target: `≥ 0.90 of empty ${ok((rMe ?? 0) >= 0.9)}` })
    row('(f) POST /introspect, seeded database', fig.fIntrospect, { ratioValue: rIn, target: `≥ 0.90 of empty ${ok((rIn ?? 0) >= 0.9)}` })
  }
  if (fig.members) {
    row(`(g) \`members\` first page (100 of 100,000)${membersAmount ? `, ${membersAmount} requests` : ''}`, fig.members,
      { target: `p99 < 50 ms ${ok(fig.members.total > 0 && fig.members.p99 < 50)}` })
  }
  if (selected.has('h')) {
    rows.push({
      scenario: '(h) tenant-api RSS, largest sample during (a)', connections: '—', rps: '—', p50: '—', p99: '—', failed: '—', ratio: '—',
      target: `${mib(rssMax)} (idle after start ${mib(rssIdle)}) ≤ 150 MiB ${ok(rssMax > 0 && rssMax <= 150 * 2 ** 20)}`,
    })
    if (startTimes) {
      const sorted = [...startTimes].sort((x, y) => x - y)
      const median = /** @type {number} */ (sorted[1])
      rows.push({
        scenario: '(h) start to ready, existing PGlite data directory', connections: '—', rps: '—', p50: '—', p99: '—', failed: '—', ratio: '—',
        target: `${median.toFixed(2)} s (median of ${startTimes.map((t) => t.toFixed(2)).join(', ')}) < 1.5 s ${ok(median < 1.5)}`,
      })
    }
  }

  const total = (performance.now() - started) / 1000
  const out = [
    ...machine(options, pgVersion),
    '',
    table(),
    '',
    `Ratios: (a), (b) and Fastify + Mercurius alone (bench/framework.mjs) to the bare server at the same connections; (e) to the figure without signIn; (f) to the empty database. ` +
      `(c) and (e) sign in one person per connection; (g) at ${MEMBERS_CONNECTIONS} connections, as the root token.`,
    `Run: ${Math.round(total)} s in all${seedSeconds !== null ? `, of which seeding ${Math.round(seedSeconds)} s` : ''}; ` +
      `tenant-api wrote ${(logBytes / 2 ** 20).toFixed(0)} MiB of log${options.keepLog ? ` (kept in ${logFile})` : ''}.`,
  ]
  process.stdout.write(out.join('\n') + '\n')
  if (broken.length > 0) {
    say('something broke:')
    for (const line of broken) say(`  ${line}`)
    return 1
  }
  return 0
}

// ---------------------------------------------------------------------------------------------

let options
try {
  options = parseOptions(process.argv.slice(2))
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : error}\n${USAGE}\n`)
  process.exit(2)
}

const finish = (code) => cleanup().then(() => process.exit(code), () => process.exit(code || 1))
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    say(`${signal}: stopping`)
    finish(130)
  })
}
// Every run stops by itself: far beyond what the selected scenarios take, the watchdog ends it.
const watchdogMs = (15 * 60 + 20 * options.duration) * 1000
const watchdog = setTimeout(() => {
  say(`the run took longer than ${Math.round(watchdogMs / 60_000)} minutes; stopping`)
  finish(1)
}, watchdogMs)

main(options).then((code) => {
  clearTimeout(watchdog)
  return finish(code)
}, (error) => {
  clearTimeout(watchdog)
  say(error instanceof Error ? (error.stack ?? error.message) : String(error))
  return finish(1)
})
