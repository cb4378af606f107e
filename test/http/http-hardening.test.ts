import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { requestSerializer } from '../../src/http/logging.js'
import { generateToken } from '../../src/model/tokens.js'
import { startServer } from '../helpers/server.js'

const server = await startServer()
const auth = { authorization: `Bearer ${server.rootToken}` }
const json = { ...auth, 'content-type': 'application/json' }
const STRICT_CSP = "default-src 'none';frame-ancestors 'none'"

async function call(path: string, init?: RequestInit) {
  const res = await server.fetch(path, { redirect: 'manual', ...init })
  await res.arrayBuffer()
  return res
}

function assertHardened(res: Response, what: string) {
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what)
  assert.equal(res.headers.get('x-frame-options'), 'DENY', what)
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer', what)
  assert.equal(res.headers.get('content-security-policy'), STRICT_CSP, what)
  // The rest of helmet's set: no cross-origin embedding, isolation, HTTPS once seen over TLS.
  assert.equal(res.headers.get('cross-origin-resource-policy'), 'same-origin', what)
  // Headers that only matter for documents (or old browsers) are left off JSON answers.
  for (const name of ['cross-origin-opener-policy', 'origin-agent-cluster', 'x-dns-prefetch-control', 'x-download-options', 'x-permitted-cross-domain-policies', 'x-xss-protection']) {
    assert.equal(res.headers.get(name), null, `${what}: ${name}`)
  }
  assert.match(res.headers.get('strict-transport-security') ?? '', /max-age=\d+/, what)
  assert.equal(res.headers.get('x-powered-by'), null, what)
}

const tenantCases: { name: string; status: number; path?: string; init: RequestInit }[] = [
  { name: 'a query', status: 200, init: { method: 'POST', headers: json, body: '{"query":"{ me { id } }"}' } },
  { name: 'a GET query', status: 200, path: `/tenant?query=${encodeURIComponent('{ me { id } }')}`, init: { headers: auth } },
  { name: 'no token (the auth hook)', status: 401, init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ me { id } }"}' } },
  { name: 'an unknown token', status: 401, init: { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${generateToken()}` }, body: '{"query":"{ me { id } }"}' } },
  { name: 'a syntax error (Mercurius)', status: 400, init: { method: 'POST', headers: json, body: '{"query":"{ me { "}' } },
  { name: 'an unknown field (Mercurius)', status: 400, init: { method: 'POST', headers: json, body: '{"query":"{ me { nope } }"}' } },
  { name: 'a body that is not JSON', status: 400, init: { method: 'POST', headers: json, body: 'not json' } },
  { name: 'a body over the limit', status: 413, init: { method: 'POST', headers: json, body: `{"query":"${'a'.repeat(1024 * 1024)}"}` } },
  { name: 'an XML body', status: 415, init: { method: 'POST', headers: { ...auth, 'content-type': 'application/xml' }, body: '<query/>' } },
  { name: 'a browser sent to GraphiQL', status: 302, init: { headers: { accept: 'text/html' } } },
]

for (const c of tenantCases) {
  test(`headers: /tenant answering ${c.name} (${c.status}) is no-store, nosniff, DENY, no-referrer and CSP default-src 'none'`, async () => {
    const res = await call(c.path ?? '/tenant', c.init)
    assert.equal(res.status, c.status)
    assert.equal(res.headers.get('cache-control'), 'no-store')
    assertHardened(res, c.name)
  })
}

test('headers: /introspect answers 200, 400, 401 and 403 with no-store and the strict headers', async () => {
  const post = (caller: string | null, body: string, type = 'application/json') => call('/introspect', {
    method: 'POST', body, headers: { 'content-type': type, ...(caller ? { authorization: `Bearer ${caller}` } : {}) },
  })
  const cases = [
    { status: 200, res: await post(server.rootToken, JSON.stringify({ token: server.loginToken })) },
    { status: 200, res: await post(server.rootToken, `token=${server.loginToken}`, 'application/x-www-form-urlencoded') },
    { status: 400, res: await post(server.rootToken, '{}') },
    { status: 401, res: await post(null, JSON.stringify({ token: server.loginToken })) },
    { status: 403, res: await post(server.loginToken, JSON.stringify({ token: server.rootToken })) },
  ]
  for (const { status, res } of cases) {
    assert.equal(res.status, status)
    assert.equal(res.headers.get('cache-control'), 'no-store', String(status))
    assertHardened(res, `/introspect ${status}`)
  }
})

test('headers: /health, /ready, /metrics and an unknown route carry the strict headers too', async () => {
  for (const path of ['/health', '/ready', '/nope', '/metrics']) assertHardened(await call(path), path)
})

test('headers: the GraphiQL page and its assets may run scripts from this server only, and not be framed', async () => {
  for (const path of ['/graphiql', '/graphiql/assets/start.js', '/graphiql/assets/graphiql.min.js', '/graphiql/assets/graphiql.min.css']) {
    const res = await call(path)
    assert.equal(res.status, 200, path)
    const csp = res.headers.get('content-security-policy') ?? ''
    assert.match(csp, /default-src 'none'/, path)
    assert.match(csp, /script-src 'self'(;|$)/, path)
    assert.match(csp, /connect-src 'self'/, path)
    assert.match(csp, /frame-ancestors 'none'/, path)
    assert.doesNotMatch(csp, /unsafe-eval|https?:/, path)
    assert.equal(res.headers.get('x-frame-options'), 'DENY', path)
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path)
    assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin', path)
    assert.equal(res.headers.get('x-xss-protection'), '0', path)
  }
})

test('form bodies: a form-encoded POST to /tenant with the root token is 415 and runs nothing', async () => {
  const description = `form-${randomBytes(6).toString('hex')}`
  const query = `mutation { createGlobalApiKey(description: "${description}") { ok } }`
  const res = await server.fetch('/tenant', {
    method: 'POST', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ query }).toString(),
  })
  assert.equal(res.status, 415)
  assert.match((await res.json()).errors[0].message, /Unsupported Media Type/)
  const { body } = await server.gql('{ globalApiKeys { description } }')
  assert.equal(body.data.globalApiKeys.some((k: { description: string }) => k.description === description), false)
  // The same operation as JSON does run: the 415 is about the body's type.
  assert.equal((await server.gql(query)).body.data.createGlobalApiKey.ok, true)
})

const urls = [
  { url: '/tenant', logged: '/tenant' },
  { url: '/tenant?query={me{id}}&variables={"password":"hunter2"}', logged: '/tenant' },
  { url: '/introspect?token=abc', logged: '/introspect' },
  { url: '/tenant?', logged: '/tenant' },
  { url: '/graphiql/assets/start.js?v=1', logged: '/graphiql/assets/start.js' },
  { url: '/nope#x?token=abc', logged: '/nope' },
  { url: '/?a=1?b=2', logged: '/' },
]
for (const c of urls) {
  test(`log: a request to ${c.url} is logged as ${c.logged}, with no headers`, () => {
    const token = generateToken()
    const logged = requestSerializer({
      method: 'GET', url: c.url, hostname: 'localhost', ip: '127.0.0.1', socket: { remotePort: 5555 },
      headers: { authorization: `Bearer ${token}` },
    } as never)
    assert.deepEqual(logged, { method: 'GET', url: c.logged, hostname: 'localhost', remoteAddress: '127.0.0.1', remotePort: 5555 })
  })
}

test('log: the request lines of a real server have no query string, no headers and no token', async () => {
  let log = ''
  const stream = new Writable({ write(chunk, _encoding, done) { log += chunk; done() } })
  const s = await startServer({ env: { LOG_LEVEL: 'info' }, logStream: stream })
  const secret = randomBytes(12).toString('hex')
  const sent = [
    await s.fetch(`/tenant?query=${encodeURIComponent('{ me { id } }')}&variables=${encodeURIComponent(JSON.stringify({ password: secret }))}`, { headers: { authorization: `Bearer ${s.rootToken}` } }),
    await s.fetch(`/introspect?token=${secret}`, { method: 'POST', headers: { authorization: `Bearer ${s.rootToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ token: s.loginToken }) }),
    await s.fetch(`/nope?token=${secret}`),
  ]
  assert.deepEqual(sent.map((r) => r.status), [200, 200, 404])
  await Promise.all(sent.map((r) => r.arrayBuffer()))
  // The access line is written once the answer is out, maybe after the client has it.
  const deadline = Date.now() + 5_000
  while ((log.match(/"msg":"request"/g) ?? []).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  const requests = log.trim().split('\n').map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'request')
  assert.deepEqual(requests.map((entry) => `${entry.method} ${entry.path} ${entry.route} ${entry.status}`),
    ['GET /tenant /tenant 200', 'POST /introspect /introspect 200', 'GET /nope null 404'])
  for (const entry of requests) {
    assert.deepEqual(Object.keys(entry).sort(), ['hostname', 'identity', 'level', 'method', 'ms', 'msg', 'path', 'pid', 'reqId', 'route', 'status', 'time'])
  }
  for (const value of [secret, s.rootToken, s.loginToken]) assert.equal(log.includes(value), false, 'a secret is in the log')
  assert.equal(log.includes('authorization'), false)
})

test('headers: a request arriving while the server closes is refused with 503 and the same headers', async () => {
  const closing = await startServer()
  // One kept-alive connection: a slow request holds the close, the next one arrives on it.
  const agent = await import('node:http').then((http) => new http.Agent({ keepAlive: true, maxSockets: 1 }))
  const request = (path: string) => new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
    import('node:http').then((http) => http.get(`${closing.url}${path}`, { agent }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }))
    }).on('error', reject))
  })
  assert.equal((await request('/health')).status, 200)
  const closed = closing.app.server.close()
  const refused = await request('/health').catch(() => null)
  await closed
  agent.destroy()
  // The connection may already be gone (refused outright); if an answer came, it is a hardened 503.
  if (refused) {
    assert.equal(refused.status, 503)
    assert.equal(refused.headers['x-content-type-options'], 'nosniff')
    assert.equal(refused.headers['x-frame-options'], 'DENY')
  }
})
