import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startServer } from '../helpers/server.js'

// Browser applications on other origins (an admin screen) call the API only when allowed.

const preflight = (server: { fetch(path: string, init?: RequestInit): Promise<Response> }, origin: string) => server.fetch('/tenant', {
  method: 'OPTIONS',
  headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
})

test('CORS: off by default: no preflight answer, no Access-Control headers', async () => {
  const server = await startServer()
  const res = await preflight(server, 'https://admin.example.com')
  assert.equal(res.headers.get('access-control-allow-origin'), null)
  const get = await server.gql('{ me { id } }')
  assert.equal(get.status, 200)
})

test('CORS_ORIGINS: a listed origin\'s preflight is allowed and its request answered with its origin; another is refused', async () => {
  const server = await startServer({ env: { CORS_ORIGINS: 'https://admin.example.com, http://localhost:5173' } })
  const allowed = await preflight(server, 'https://admin.example.com')
  assert.equal(allowed.status, 204)
  assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://admin.example.com')
  assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /authorization/)
  assert.match(allowed.headers.get('access-control-allow-methods') ?? '', /POST/)
  const refused = await preflight(server, 'https://evil.example.com')
  assert.equal(refused.headers.get('access-control-allow-origin'), null)
  const res = await server.fetch('/tenant', {
    method: 'POST',
    headers: { origin: 'http://localhost:5173', authorization: `Bearer ${server.rootToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ me { roles } }' }),
  })
  assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:5173')
  assert.deepEqual(await res.json(), { data: { me: { roles: ['super_admin'] } } })
})

test('CORS_ORIGINS: * allows any origin; a malformed list stops the start', async () => {
  const server = await startServer({ env: { CORS_ORIGINS: '*' } })
  assert.equal((await preflight(server, 'https://anywhere.example')).headers.get('access-control-allow-origin'), '*')
  await assert.rejects(startServer({ env: { CORS_ORIGINS: 'admin.example.com/path' } }), /CORS_ORIGINS must be a comma-separated list of origins/)
})
