import assert from 'node:assert/strict'
import { test } from 'node:test'
import { persistentDb, startServer } from '../helpers/server.js'

const env = { CONTEMBER_ROOT_EMAIL: ' Admin@Localhost ', CONTEMBER_ROOT_PASSWORD: 'Admin-Password-123' }

test('root person: CONTEMBER_ROOT_EMAIL + PASSWORD make a super-admin person bound to the root token', async () => {
  const server = await startServer({ env })
  assert.equal(server.app.bootstrap.rootPersonCreated, true)
  const me = await server.gql('{ me { roles person { email } } }')
  assert.deepEqual(me.body.data.me, { roles: ['super_admin', 'person'], person: { email: 'admin@localhost' } })
  const signIn = await server.gql('mutation { signIn(email: "admin@localhost", password: "Admin-Password-123") { ok result { token } } }', { token: server.loginToken })
  assert.equal(signIn.body.data.signIn.ok, true)
  const session = signIn.body.data.signIn.result.token
  const asSession = await server.gql('{ me { roles } }', { token: session })
  assert.deepEqual(asSession.body.data.me.roles, ['super_admin', 'person'])
})

test('root person: a later start with the person in place changes nothing', async () => {
  const store = await persistentDb()
  const first = await startServer({ env, db: await store.reopen() })
  await first.close()
  const second = await startServer({ env: { ...env, CONTEMBER_ROOT_PASSWORD: 'Another-Password-456', CONTEMBER_ROOT_TOKEN: first.rootToken, CONTEMBER_LOGIN_TOKEN: first.loginToken }, db: await store.reopen() })
  assert.equal(second.app.bootstrap.rootPersonCreated, false)
  const { rows } = await second.app.deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM person')
  assert.equal(rows[0]!.n, 1)
  const old = await second.gql('mutation { signIn(email: "admin@localhost", password: "Admin-Password-123") { ok } }', { token: second.loginToken })
  assert.equal(old.body.data.signIn.ok, true, 'the password is not reset from the environment')
})
