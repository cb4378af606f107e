import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { loadConfig } from '../../src/config/env.js'
import { generateToken } from '../../src/model/tokens.js'
import { backend, createTestDatabaseUrl } from '../helpers/db.js'
import { personWithSession } from '../helpers/persons.js'
import { startServer, testEncryptionKey, type TestServer } from '../helpers/server.js'

// What operators watch: one access line per request (never a token), request ids that follow a
// request through a trusted proxy, and Prometheus metrics whose labels come from closed sets.

const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url))

function logSink() {
  const sink = { text: '', stream: new Writable({ write(chunk, _encoding, done) { sink.text += chunk; done() } }) }
  return sink
}
const accessLines = (text: string) => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.msg === 'request')

async function until(what: string, check: () => boolean, ms = 5_000) {
  const deadline = Date.now() + ms
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  assert.ok(check(), what)
}

test('access log: one line per request with route, status, duration, request id and the caller\'s identity, never the token', async () => {
  const sink = logSink()
  const s = await startServer({ env: { LOG_LEVEL: 'info' }, logStream: sink.stream })
  const me = await s.fetch('/tenant', { method: 'POST', headers: { authorization: `Bearer ${s.rootToken}`, 'content-type': 'application/json' }, body: '{"query":"{ me { id } }"}' })
  const { data } = await me.json()
  const anonymous = await s.fetch('/tenant', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ me { id } }"}' })
  await anonymous.arrayBuffer()
  await until('two access lines', () => accessLines(sink.text).length >= 2)
  const [first, second] = accessLines(sink.text)
  assert.equal(first.reqId, me.headers.get('x-request-id'), 'the response names the request id of its log line')
  assert.deepEqual({ method: first.method, route: first.route, status: first.status, identity: first.identity }, { method: 'POST', route: '/tenant', status: 200, identity: data.me.id })
  assert.equal(typeof first.ms, 'number')
  assert.deepEqual({ status: second.status, identity: second.identity }, { status: 401, identity: null })
  assert.notEqual(second.reqId, first.reqId)
  assert.equal(sink.text.includes(s.rootToken), false)
  assert.equal(accessLines(sink.text).length, 2, 'one line per request, not two')
})

test('access log: LOG_LEVEL=warn writes no access lines', async () => {
  const sink = logSink()
  const s = await startServer({ env: { LOG_LEVEL: 'warn' }, logStream: sink.stream })
  await (await s.fetch('/health')).arrayBuffer()
  await new Promise((r) => setTimeout(r, 50))
  assert.equal(accessLines(sink.text).length, 0)
})

const proxyCases: { name: string; trust?: string; sent: string; kept: boolean }[] = [
  { name: 'a trusted proxy (its address)', trust: '127.0.0.1', sent: 'edge-42.abc:7', kept: true },
  { name: 'a trusted proxy (a range holding it)', trust: '10.0.0.0/8, 127.0.0.0/8', sent: 'a1b2c3', kept: true },
  { name: 'no TRUST_PROXY', sent: 'a1b2c3', kept: false },
  { name: 'a peer outside the trusted range', trust: '10.0.0.0/8', sent: 'a1b2c3', kept: false },
  { name: 'a trusted proxy sending an id with spaces', trust: '127.0.0.1', sent: 'a b', kept: false },
  { name: 'a trusted proxy sending an id over 128 characters', trust: '127.0.0.1', sent: 'x'.repeat(129), kept: false },
]
for (const c of proxyCases) {
  test(`request id: X-Request-Id from ${c.name} is ${c.kept ? 'kept' : 'replaced by a fresh one'}`, async () => {
    const sink = logSink()
    const s = await startServer({ env: { LOG_LEVEL: 'info', ...(c.trust ? { TRUST_PROXY: c.trust } : {}) }, logStream: sink.stream })
    const res = await s.fetch('/health', { headers: { 'x-request-id': c.sent } })
    await res.arrayBuffer()
    const id = res.headers.get('x-request-id')!
    if (c.kept) assert.equal(id, c.sent)
    else assert.match(id, /^[0-9a-f-]{36}$/)
    await until('the access line', () => accessLines(sink.text).length === 1)
    assert.equal(accessLines(sink.text)[0].reqId, id)
  })
}

for (const value of ['nonsense', '10.0.0.0/33', '127.0.0.1,', '::1/129']) {
  test(`config: TRUST_PROXY=${value} is refused unless every entry is an address or a range`, () => {
    if (value === '127.0.0.1,') {
      assert.deepEqual(loadConfig({ TRUST_PROXY: value }).TRUST_PROXY, ['127.0.0.1'])
      return
    }
    assert.throws(() => loadConfig({ TRUST_PROXY: value }), /TRUST_PROXY must be a comma-separated list of IP addresses or CIDR ranges/)
  })
}

test('config: LOG_FORMAT is json or pretty, METRICS_PORT a port', () => {
  assert.equal(loadConfig({}).LOG_FORMAT, 'json')
  assert.throws(() => loadConfig({ LOG_FORMAT: 'xml' }), /LOG_FORMAT/)
  assert.throws(() => loadConfig({ METRICS_PORT: 'x' }), /METRICS_PORT must be a whole number/)
})

// ---- the process: asynchronous log lines must not be lost when it stops

async function storage(): Promise<Record<string, string>> {
  return backend === 'postgres'
    ? { DATABASE_URL: await createTestDatabaseUrl(), TENANT_ENCRYPTION_KEY: testEncryptionKey }
    : { DATA_DIR: mkdtempSync(join(tmpdir(), 'tenant-api-log-')) }
}

async function serve(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'serve'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'info', ...await storage(), ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (d) => { out += d })
  child.stderr.on('data', (d) => { out += d })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const deadline = Date.now() + 60_000
  let port: string | undefined
  while (!(port = /tenant-api on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1]) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50))
  assert.ok(port, out)
  return { child, exited, port: Number(port), output: () => out }
}

test('access log: every line of a burst is written before the process exits on SIGTERM', { timeout: 120_000 }, async () => {
  const server = await serve({})
  const n = 300
  await Promise.all(Array.from({ length: n }, () => fetch(`http://127.0.0.1:${server.port}/health`).then((r) => r.arrayBuffer())))
  server.child.kill('SIGTERM')
  assert.equal(await server.exited, 0)
  assert.equal((server.output().match(/"msg":"request"/g) ?? []).length, n)
})

test('access log: lines are flushed even when a timed-out shutdown kills the process (exit 137)', { timeout: 120_000 }, async () => {
  const server = await serve({ SHUTDOWN_TIMEOUT_MS: '500' })
  const n = 100
  await Promise.all(Array.from({ length: n }, () => fetch(`http://127.0.0.1:${server.port}/health`).then((r) => r.arrayBuffer())))
  const socket = connect(server.port, '127.0.0.1')
  socket.on('error', () => {})
  await new Promise((resolve) => socket.on('connect', resolve))
  socket.write('POST /tenant HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{')
  await new Promise((r) => setTimeout(r, 200))
  server.child.kill('SIGTERM')
  const code = await server.exited
  socket.destroy()
  assert.equal(code, null, 'killed by SIGKILL')
  assert.equal((server.output().match(/"path":"\/health"[^\n]*"msg":"request"/g) ?? []).length, n)
  assert.match(server.output(), /shutdown timed out/)
})

test('access log: LOG_FORMAT=pretty writes lines for humans (pino-pretty)', { timeout: 120_000 }, async () => {
  const server = await serve({ LOG_FORMAT: 'pretty' })
  await (await fetch(`http://127.0.0.1:${server.port}/health`)).arrayBuffer()
  server.child.kill('SIGTERM')
  assert.equal(await server.exited, 0)
  assert.match(server.output(), /INFO.*: request/)
  assert.doesNotMatch(server.output(), /^\{"level"/m)
})

// ---- metrics

const metricsText = async (s: TestServer, path = '/metrics') => {
  const res = await s.fetch(path)
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
  return res.text()
}
const sample = (text: string, line: string) => Number(new RegExp(`^${line.replace(/[{}"=,.*+?^$()|[\]\\]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN)

test('metrics: process and event-loop metrics, requests by route, method and status, and their latency', async () => {
  const s = await startServer()
  const secret = randomBytes(8).toString('hex')
  await (await s.fetch(`/nope-${secret}`)).arrayBuffer()
  await (await s.fetch('/health')).arrayBuffer()
  const text = await metricsText(s)
  for (const name of ['tenant_process_cpu_seconds_total', 'tenant_process_resident_memory_bytes', 'tenant_nodejs_eventloop_lag_p99_seconds', 'tenant_nodejs_heap_size_used_bytes']) {
    assert.match(text, new RegExp(`^${name} `, 'm'), name)
  }
  assert.equal(sample(text, 'tenant_http_requests_total{route="/health",method="GET",status="200"}'), 1)
  assert.equal(sample(text, 'tenant_http_requests_total{route="unmatched",method="GET",status="404"}'), 1)
  assert.equal(sample(text, 'tenant_http_request_duration_seconds_count{route="/health",method="GET"}'), 1)
  // A Prometheus histogram: cumulative buckets ending in +Inf, which equals the count.
  const buckets = [...text.matchAll(/^tenant_http_request_duration_seconds_bucket\{route="\/health",method="GET",le="([^"]+)"\} (\S+)$/gm)]
    .map((m) => [m[1]!, Number(m[2])] as const)
  assert.equal(buckets.length, 12)
  assert.deepEqual(buckets.at(-1), ['+Inf', 1])
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]![1] >= buckets[i - 1]![1], 'cumulative')
  assert.ok(sample(text, 'tenant_http_request_duration_seconds_sum{route="/health",method="GET"}') > 0)
  assert.match(text, /^# TYPE tenant_http_request_duration_seconds histogram$/m)
  assert.equal(text.includes(secret), false, 'a path that matched no route is not a label value')
})

test('metrics: GraphQL root fields by outcome (ok, an error code, forbidden, invalid) and sign-ins by method and outcome', async () => {
  const s = await startServer()
  const person = await personWithSession(s)
  await s.gql('query Custom_Name_123 { me { id } }')
  await s.gql('mutation { signIn(email: "nobody@example.com", password: "whatever-1") { ok } }', { token: s.loginToken })
  await s.gql('mutation { createProject(projectSlug: "p", name: "P") { ok } }', { token: person.token })
  await s.gql('mutation ($id: String!) { disableApiKey(id: $id) { ok } }', { variables: { id: 'x'.repeat(20_000) } })
  const text = await metricsText(s)
  assert.ok(sample(text, 'tenant_graphql_operations_total{type="query",field="me",outcome="ok"}') >= 1)
  assert.equal(sample(text, 'tenant_graphql_operations_total{type="mutation",field="signIn",outcome="UNKNOWN_EMAIL"}'), 1)
  assert.equal(sample(text, 'tenant_sign_in_total{method="password",outcome="UNKNOWN_EMAIL"}'), 1)
  assert.ok(sample(text, 'tenant_sign_in_total{method="password",outcome="ok"}') >= 1, 'personWithSession signed in')
  assert.equal(sample(text, 'tenant_graphql_operations_total{type="mutation",field="createProject",outcome="forbidden"}'), 1)
  assert.equal(sample(text, 'tenant_graphql_operations_total{type="mutation",field="disableApiKey",outcome="invalid"}'), 1)
  assert.equal(text.includes('Custom_Name_123'), false, 'operation names from callers are not label values')
})

test('metrics: token cache hits, misses and size, and invalidations received', async () => {
  const s = await startServer()
  const created = await s.gql('mutation { createGlobalApiKey(description: "m", roles: []) { result { apiKey { id token } } } }')
  const { id, token } = created.body.data.createGlobalApiKey.result.apiKey
  for (let i = 0; i < 3; i++) await s.gql('{ me { id } }', { token })
  let text = await metricsText(s)
  assert.ok(sample(text, 'tenant_token_cache_hits_total') >= 2)
  assert.ok(sample(text, 'tenant_token_cache_misses_total') >= 2, 'the root token and the new key were read once')
  assert.ok(sample(text, 'tenant_token_cache_entries') >= 2)
  const before = sample(text, 'tenant_token_invalidations_total')
  await s.gql(`mutation { disableApiKey(id: "${id}") { ok } }`)
  const deadline = Date.now() + 5_000
  do text = await metricsText(s)
  while (sample(text, 'tenant_token_invalidations_total') <= before && Date.now() < deadline)
  assert.ok(sample(text, 'tenant_token_invalidations_total') > before)
})

test('metrics: the PostgreSQL pool\'s connections by state', { skip: backend === 'pglite' ? 'PGlite has no pool' : false }, async () => {
  const s = await startServer()
  const text = await metricsText(s)
  assert.equal(sample(text, 'tenant_db_pool_connections{state="max"}'), 10)
  assert.ok(sample(text, 'tenant_db_pool_connections{state="total"}') >= 1)
})

test('metrics: with METRICS_PORT they are served there only; METRICS=false serves none', async () => {
  const own = await startServer({ env: { METRICS_PORT: '0' } })
  assert.equal((await own.fetch('/metrics')).status, 404)
  const address = own.app.metricsServer!.address() as { port: number }
  const res = await fetch(`http://127.0.0.1:${address.port}/metrics`)
  assert.equal(res.status, 200)
  assert.match(await res.text(), /^tenant_process_cpu_seconds_total /m)
  assert.equal((await fetch(`http://127.0.0.1:${address.port}/tenant`)).status, 404)
  await own.close()
  await assert.rejects(fetch(`http://127.0.0.1:${address.port}/metrics`), 'the metrics listener closes with the app')

  const off = await startServer({ env: { METRICS: 'false' } })
  assert.equal((await off.fetch('/metrics')).status, 404)
  assert.equal(off.app.metricsServer, undefined)
})

test('metrics: a request with a fresh token every time does not grow the label sets', async () => {
  const s = await startServer()
  for (let i = 0; i < 20; i++) await (await s.fetch('/tenant', { method: 'POST', headers: { authorization: `Bearer ${generateToken()}`, 'content-type': 'application/json' }, body: '{"query":"{ me { id } }"}' })).arrayBuffer()
  const text = await metricsText(s)
  assert.equal(sample(text, 'tenant_http_requests_total{route="/tenant",method="POST",status="401"}'), 20)
  assert.equal((text.match(/^tenant_http_requests_total\{/gm) ?? []).length, 1)
})
