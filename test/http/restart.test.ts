import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createApp } from '../../src/app.js'
import { loadConfig } from '../../src/config/env.js'
import { generateToken } from '../../src/model/tokens.js'
import { persistentDb, startServer, testEncryptionKey } from '../helpers/server.js'

const silent = loadConfig({ LOG_LEVEL: 'silent', TENANT_ENCRYPTION_KEY: testEncryptionKey })

test('restart: generated tokens are made once, kept as hashes, and work after a restart', async () => {
  const store = await persistentDb()
  // First start without tokens in the environment: both are generated and handed out once.
  const first = await createApp(silent, { db: await store.reopen() })
  const { root, login } = first.bootstrap.generated
  assert.match(root ?? '', /^[0-9a-f]{40}$/)
  assert.match(login ?? '', /^[0-9a-f]{40}$/)
  const { rows } = await first.deps.db.query<{ tokenHash: string }>('SELECT token_hash AS "tokenHash" FROM api_key')
  assert.ok(rows.every((r) => r.tokenHash !== root && r.tokenHash !== login), 'only hashes are stored')
  await first.close()

  const again = await createApp(silent, { db: await store.reopen() })
  assert.deepEqual(again.bootstrap.generated, {}, 'nothing new is generated on a later start')
  await again.server.listen({ port: 0, host: '127.0.0.1' })
  const port = (again.server.server.address() as { port: number }).port
  const me = async (token: string) => {
    const res = await fetch(`http://127.0.0.1:${port}/tenant`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ me { roles } }' }),
    })
    return { status: res.status, body: await res.json() }
  }
  assert.deepEqual((await me(root!)).body.data.me.roles, ['super_admin'])
  assert.deepEqual((await me(login!)).body.data.me.roles, ['login'])
  await again.close()
})

test('restart: a changed CONTEMBER_ROOT_TOKEN rotates the root token and keeps the identity', async () => {
  const store = await persistentDb()
  const oldToken = generateToken()
  const newToken = generateToken()
  const loginToken = generateToken()
  const first = await startServer({ db: await store.reopen(), env: { CONTEMBER_ROOT_TOKEN: oldToken, CONTEMBER_LOGIN_TOKEN: loginToken } })
  const identity = (await first.gql('{ me { id } }')).body.data.me.id
  await first.close()

  const second = await startServer({ db: await store.reopen(), env: { CONTEMBER_ROOT_TOKEN: newToken, CONTEMBER_LOGIN_TOKEN: loginToken } })
  assert.deepEqual(second.app.bootstrap.rotated, ['root'])
  const old = await second.gql('{ me { id } }', { token: oldToken })
  assert.equal(old.status, 401, 'the old root token stops working')
  const current = await second.gql('{ me { id roles } }', { token: newToken })
  assert.equal(current.body.data.me.id, identity)
  assert.deepEqual(current.body.data.me.roles, ['super_admin'])
  assert.equal((await second.gql('{ me { id } }', { token: loginToken })).status, 200, 'the login token is untouched')
  const { rows } = await second.app.deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM bootstrap_key')
  assert.equal(rows[0]!.n, 2)
  await second.close()
})

test('restart: two nodes starting together on one database make one root identity', async () => {
  const store = await persistentDb()
  const root = generateToken()
  const login = generateToken()
  const config = loadConfig({ LOG_LEVEL: 'silent', CONTEMBER_ROOT_TOKEN: root, CONTEMBER_LOGIN_TOKEN: login, TENANT_ENCRYPTION_KEY: testEncryptionKey })
  // PGlite is one process's database, so "two nodes" share the handle there; PostgreSQL gets two pools.
  const shared = await store.reopen()
  const [a, b] = await Promise.all([
    createApp(config, { db: shared }),
    createApp(config, { db: shared.kind === 'postgres' ? await store.reopen() : shared }),
  ])
  const { rows } = await a.deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM identity')
  assert.equal(rows[0]!.n, 2)
  await a.server.close()
  await b.close()
  await a.close()
})
