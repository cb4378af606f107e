import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startServer } from '../helpers/server.js'

const server = await startServer()

test('GET /tenant from a browser leads to GraphiQL without asking for a token', async () => {
  const res = await server.fetch('/tenant', { headers: { accept: 'text/html,application/xhtml+xml' }, redirect: 'manual' })
  assert.equal(res.status, 302)
  assert.equal(res.headers.get('location'), '/graphiql')
  const page = await server.fetch('/graphiql')
  assert.equal(page.status, 200)
  assert.match(page.headers.get('content-type') ?? '', /text\/html/)
  assert.match(await page.text(), /graphiql/i)
})

test('GET /tenant with a query still needs a token', async () => {
  const anonymous = await server.fetch(`/tenant?query=${encodeURIComponent('{ me { id } }')}`)
  assert.equal(anonymous.status, 401)
  const res = await server.fetch(`/tenant?query=${encodeURIComponent('{ me { roles } }')}`, { headers: { authorization: `Bearer ${server.rootToken}` } })
  assert.equal(res.status, 200)
  assert.deepEqual((await res.json()).data.me.roles, ['super_admin'])
})

test('GET /health answers without a token', async () => {
  const res = await server.fetch('/health')
  assert.equal(res.status, 200)
  assert.deepEqual(await res.json(), { status: 'ok' })
})

test('GET /ready answers 200 while the database answers, 503 once it does not', async () => {
  const up = await server.fetch('/ready')
  assert.equal(up.status, 200)
  await server.app.deps.db.close()
  const down = await server.fetch('/ready')
  assert.equal(down.status, 503)
  assert.deepEqual(await down.json(), { status: 'unavailable', reason: 'database unreachable' })
  const health = await server.fetch('/health')
  assert.equal(health.status, 200, 'liveness does not depend on the database')
})

test('GET /: says where the API, GraphiQL and the health checks are', async () => {
  const res = await server.fetch('/')
  assert.equal(res.status, 200)
  const body = await res.json() as Record<string, string>
  assert.match(body.graphql!, /POST \/tenant/)
  assert.equal(body.graphiql, '/graphiql')
  assert.equal(body.health, '/health')
})
