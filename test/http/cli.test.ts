import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { backend, createTestDatabaseUrl, dropTestDatabases } from '../helpers/db.js'

// The command line as an operator uses it: a real process, real signals, real exit codes.
const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url))
after(dropTestDatabases)

/** Where a started process keeps its data: a fresh DATA_DIR, or a fresh PostgreSQL database. */
const storage = async (): Promise<Record<string, string>> => backend === 'postgres'
  ? { DATABASE_URL: await createTestDatabaseUrl(), TENANT_ENCRYPTION_KEY: 'cd'.repeat(32) }
  : { DATA_DIR: await mkdtemp(join(tmpdir(), 'tenant-api-cli-')) }

interface Running {
  output: () => string
  stderr: () => string
  exited: Promise<number | null>
  kill: (signal: NodeJS.Signals) => void
  waitFor: (pattern: RegExp, ms?: number) => Promise<RegExpMatchArray>
}

function cli(args: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (d) => { out += d })
  child.stderr.on('data', (d) => { err += d })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return {
    output: () => out,
    stderr: () => err,
    exited,
    kill: (signal) => child.kill(signal),
    async waitFor(pattern, ms = 30_000) {
      const deadline = Date.now() + ms
      while (Date.now() < deadline) {
        const match = pattern.exec(out)
        if (match) return match
        if (child.exitCode !== null) break
        await new Promise((r) => setTimeout(r, 50))
      }
      throw new Error(`no ${pattern} in output:\n${out}\n${err}`)
    },
  }
}

const badConfigs: { env: Record<string, string>; line: RegExp }[] = [
  { env: { PORT: 'abc' }, line: /^tenant-api: invalid configuration: PORT must be a whole number \(got "abc"\)$/ },
  { env: { PORT: '70000' }, line: /^tenant-api: invalid configuration: PORT must be between 0 and 65535/ },
  { env: { DATABASE_URL: 'not a url' }, line: /^tenant-api: invalid configuration: DATABASE_URL must be a URL like postgres:\/\//m },
  { env: { DATABASE_URL: 'mysql://localhost/db' }, line: /^tenant-api: invalid configuration: DATABASE_URL must be a URL/ },
  { env: { LOG_LEVEL: 'loud' }, line: /^tenant-api: invalid configuration: LOG_LEVEL/ },
  { env: { CONTEMBER_ROOT_TOKEN: 'short' }, line: /^tenant-api: invalid configuration: CONTEMBER_ROOT_TOKEN must be at least 16 characters long$/ },
]

// Refused before any database is opened: run once, on the PGlite pass.
const once = { skip: backend === 'postgres' ? 'independent of the database' : false }

for (const c of badConfigs) {
  test(`cli: ${JSON.stringify(c.env)} stops the process with one clear line and exit code 1`, once, async () => {
    const run = cli(['serve'], c.env)
    assert.equal(await run.exited, 1)
    const lines = run.stderr().trim().split('\n')
    assert.equal(lines.length, 1, run.stderr())
    assert.match(lines[0]!, c.line)
    assert.doesNotMatch(run.stderr(), /short|not a url|mysql/, 'secret values are not echoed')
  })
}

test('cli: --help lists the commands', once, async () => {
  const run = cli(['--help'], {})
  assert.equal(await run.exited, 0)
  for (const command of ['serve', 'migrate', 'bootstrap']) assert.match(run.output(), new RegExp(`\\b${command}\\b`))
})

test('cli: serve on a fresh database prints generated tokens once, answers, and stops cleanly on SIGTERM', async () => {
  const env = { ...await storage(), PORT: '0' }
  const first = cli(['serve'], env)
  const [, root] = await first.waitFor(/CONTEMBER_ROOT_TOKEN\s+= ([0-9a-f]{40})/)
  const [, port] = await first.waitFor(/tenant-api on http:\/\/127\.0\.0\.1:(\d+)\/tenant/)
  const res = await fetch(`http://127.0.0.1:${port}/tenant`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${root}` },
    body: '{"query":"{ me { roles } }"}',
  })
  assert.deepEqual((await res.json()).data.me.roles, ['super_admin'])
  assert.doesNotMatch(first.output().split('\n').filter((l) => l.startsWith('{')).join('\n'), new RegExp(root!),
    'the token is never in a log line')
  first.kill('SIGTERM')
  assert.equal(await first.exited, 0)

  // Same storage again: the database was closed cleanly and the token still works.
  const second = cli(['serve'], env)
  const [, port2] = await second.waitFor(/tenant-api on http:\/\/127\.0\.0\.1:(\d+)\/tenant/)
  assert.doesNotMatch(second.output(), /CONTEMBER_ROOT_TOKEN\s+=/, 'tokens are printed only at the first start')
  const again = await fetch(`http://127.0.0.1:${port2}/tenant`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${root}` },
    body: '{"query":"{ me { roles } }"}',
  })
  assert.equal(again.status, 200)
  second.kill('SIGINT')
  assert.equal(await second.exited, 0)
})

test('cli: migrate applies the migrations once and then finds nothing to do', async () => {
  const env = await storage()
  const first = cli(['migrate'], env)
  assert.equal(await first.exited, 0)
  assert.match(first.output(), /applied: 001_init/)
  const second = cli(['migrate'], env)
  assert.equal(await second.exited, 0)
  assert.match(second.output(), /database is up to date/)
})

test('cli: SIGTERM while a password check runs answers that request, then exits 0', async () => {
  const env = { ...await storage(), PORT: '0' }
  const run = cli(['serve'], env)
  const [, root] = await run.waitFor(/CONTEMBER_ROOT_TOKEN\s+= ([0-9a-f]{40})/)
  const [, login] = await run.waitFor(/CONTEMBER_LOGIN_TOKEN = ([0-9a-f]{40})/)
  const [, port] = await run.waitFor(/tenant-api on http:\/\/127\.0\.0\.1:(\d+)\/tenant/)
  const gql = (token: string, query: string) => fetch(`http://127.0.0.1:${port}/tenant`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }),
  }).then((r) => r.json())
  // An imported bcrypt hash at the highest cost accepted (14): its check takes a second or more.
  const hash = `$2b$14$${'a'.repeat(53)}`
  const signedUp = await gql(root!, `mutation { signUp(email: "slow@example.com", passwordHash: "${hash}") { ok } }`)
  assert.equal(signedUp.data.signUp.ok, true)
  const inFlight = gql(login!, 'mutation { signIn(email: "slow@example.com", password: "Not-It-1") { ok error { code } } }')
  await new Promise((r) => setTimeout(r, 100))
  const started = Date.now()
  run.kill('SIGTERM')
  assert.deepEqual((await inFlight).data.signIn, { ok: false, error: { code: 'INVALID_PASSWORD' } })
  assert.equal(await run.exited, 0)
  assert.ok(Date.now() - started < 10_000, 'within SHUTDOWN_TIMEOUT_MS')
})

test('cli: --version prints the package version; no command prints help and starts nothing', once, async () => {
  const version = cli(['--version'], {})
  assert.equal(await version.exited, 0)
  const { version: expected } = JSON.parse(await (await import('node:fs/promises')).readFile(new URL('../../package.json', import.meta.url), 'utf8'))
  assert.equal(version.output().trim(), expected)
  const bare = cli([], {})
  assert.equal(await bare.exited, 0)
  assert.match(bare.output(), /Usage: tenant-api/)
  assert.match(bare.output(), /DATABASE_URL/, 'help lists the environment')
  assert.doesNotMatch(bare.output(), /tenant-api on http/)
})
