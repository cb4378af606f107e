import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { backend, dropTestDatabases } from '../helpers/db.js'
import { startTwoNodes } from '../helpers/nodes.js'

// Two tenant-api processes on one PostgreSQL, as two nodes behind a load balancer. A key
// disabled through one must stop working on the other within 100 ms, although the other has
// it in its cache: the change travels through LISTEN/NOTIFY.

after(async () => { await dropTestDatabases() })

async function gql(url: string, token: string, query: string, variables?: unknown) {
  const res = await fetch(`${url}/tenant`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }),
  })
  return { status: res.status, body: await res.json() }
}

const twoNodes = startTwoNodes

/** Node `b` answers `token` (so it has it cached), `act` ends it elsewhere, and `b` must refuse it within 100 ms. */
async function refusedWithin100ms(b: string, token: string, act: () => Promise<void>) {
  for (let i = 0; i < 3; i++) assert.equal((await gql(b, token, '{ me { id } }')).status, 200)
  await act()
  const at = performance.now()
  let status = 200
  while (status !== 401 && performance.now() - at < 2000) {
    status = (await gql(b, token, '{ me { id } }')).status
    if (status !== 401) await new Promise((r) => setTimeout(r, 2))
  }
  const elapsed = performance.now() - at
  assert.equal(status, 401)
  assert.ok(elapsed < 100, `node B refused the token after ${elapsed.toFixed(1)} ms`)
}

const needsPostgres = { skip: backend !== 'postgres' && 'needs PostgreSQL: PGlite is one process\'s database' }

test('two nodes: a key disabled on one node is refused by the other within 100 ms', needsPostgres, async () => {
  const { root, a, b } = await twoNodes()
  const created = await gql(a, root, 'mutation { createGlobalApiKey(description: "app", roles: ["login"]) { result { apiKey { id token } } } }')
  const { id, token } = created.body.data.createGlobalApiKey.result.apiKey
  await refusedWithin100ms(b, token, async () => {
    assert.equal((await gql(a, root, 'mutation ($id: String!) { disableApiKey(id: $id) { ok } }', { id })).body.data.disableApiKey.ok, true)
  })
})

test('two nodes: a person forced out on one node is refused by the other within 100 ms; a revoked session too', needsPostgres, async () => {
  const { root, login, a, b } = await twoNodes()
  const signedUp = await gql(a, root, 'mutation { signUp(email: "forced@example.com", password: "Forced-Out-42") { result { person { id } } } }')
  const personId = signedUp.body.data.signUp.result.person.id
  const signIn = async () => (await gql(a, login, 'mutation { signIn(email: "forced@example.com", password: "Forced-Out-42") { result { token } } }')).body.data.signIn.result.token as string

  const forced = await signIn()
  await refusedWithin100ms(b, forced, async () => {
    assert.equal((await gql(a, root, 'mutation ($id: String!) { forceSignOutPerson(personId: $id) { ok } }', { id: personId })).body.data.forceSignOutPerson.ok, true)
  })

  const keep = await signIn()
  const revoked = await signIn()
  const sessions = (await gql(a, keep, '{ me { sessions { id isCurrent } } }')).body.data.me.sessions as { id: string; isCurrent: boolean }[]
  const other = sessions.find((s) => !s.isCurrent)!
  await refusedWithin100ms(b, revoked, async () => {
    assert.equal((await gql(a, keep, 'mutation ($id: String!) { revokeSession(sessionId: $id) { ok } }', { id: other.id })).body.data.revokeSession.ok, true)
  })
  assert.equal((await gql(b, keep, '{ me { id } }')).status, 200)
})
