import assert from 'node:assert/strict'
import { test } from 'node:test'
import { randomEmail } from '../helpers/fixtures.js'
import { counts, payload } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'

// The costs one request may carry, as an attacker with the public login token meets them: each
// over-limit request is a 400 GraphQL error before anything runs, and the service keeps answering.

const server = await startServer()
const aliases = (n: number, field: string) => Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')
const failureRows = async () =>
  (await server.app.deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sign_in_failure')).rows[0]!.n

test('limits: 1,000 aliased signIn fields are refused whole: no password is checked, no failure recorded', async () => {
  const before = await failureRows()
  const query = `mutation { ${Array.from({ length: 1000 }, (_, i) => `s${i}: signIn(email: "${randomEmail()}", password: "x") { ok }`).join(' ')} }`
  const { status, body } = await server.gql(query, { token: server.loginToken })
  assert.equal(status, 400)
  assert.equal(body.data, undefined)
  assert.match(body.errors[0].message, /larger than|aliases|password/)
  assert.equal(await failureRows(), before)
})

test('limits: two signIns in one small request are refused; one is answered', async () => {
  const two = `mutation { a: signIn(email: "${randomEmail()}", password: "x") { ok } b: signIn(email: "${randomEmail()}", password: "y") { ok } }`
  const refused = await server.gql(two, { token: server.loginToken })
  assert.equal(refused.status, 400)
  assert.match(refused.body.errors[0].message, /at most 1 password/)
  const one = await server.gql(`mutation { a: signIn(email: "${randomEmail()}", password: "x") { ok error { code } } }`, { token: server.loginToken })
  assert.equal(one.status, 200)
  assert.equal(one.body.data.a.error.code, 'UNKNOWN_EMAIL')
})

test('limits: a document over GRAPHQL_MAX_DOCUMENT_BYTES is a 400 before parsing, by POST and by GET', async () => {
  const query = `{ ${aliases(20_000, '__schema { queryType { name } }')} }`
  const started = Date.now()
  const { status, body } = await server.gql(query, { token: server.loginToken })
  assert.equal(status, 400)
  assert.deepEqual(body, { errors: [{ message: 'The query is larger than 32768 bytes' }] })
  assert.ok(Date.now() - started < 2000, 'refused at once')
  // A URL cannot hold 32 KiB (Node answers 431 first), so GET is shown with a smaller limit.
  const small = await startServer({ env: { GRAPHQL_MAX_DOCUMENT_BYTES: '1024' } })
  const get = await small.fetch(`/tenant?query=${encodeURIComponent(`{ ${aliases(100, '__typename')} }`)}`, {
    headers: { authorization: `Bearer ${small.loginToken}` },
  })
  assert.equal(get.status, 400)
  assert.deepEqual(await get.json(), { errors: [{ message: 'The query is larger than 1024 bytes' }] })
})

test('limits: two __schema fields are refused; one answers', async () => {
  const two = await server.gql('{ a: __schema { queryType { name } } b: __schema { queryType { name } } }', { token: server.loginToken })
  assert.equal(two.status, 400)
  assert.match(two.body.errors[0].message, /__schema at most 1/)
  const one = await server.gql('{ __schema { queryType { name } } }', { token: server.loginToken })
  assert.deepEqual(one.body, { data: { __schema: { queryType: { name: 'Query' } } } })
})

test('limits: over 100 aliases, over maxTokens and too costly a nesting are each a 400', async () => {
  const many = await server.gql(`{ ${aliases(101, '__typename')} }`, { token: server.loginToken })
  assert.equal(many.status, 400)
  assert.match(many.body.errors[0].message, /more than 100 aliases/)
  const tokens = await server.gql(`{ ${Array.from({ length: 6000 }, () => 'a').join(' ')} }`, { token: server.loginToken })
  assert.equal(tokens.status, 400)
  assert.match(tokens.body.errors[0].message, /tokens/)
  const deep = '{ projects { members { identity { projects { project { members { identity { projects { memberships { variables { values } } } } } } } } } } }'
  const costly = await server.gql(deep)
  assert.equal(costly.status, 400)
  assert.match(costly.body.errors[0].message, /too costly/)
})

test('limits: /health answers while over-limit requests arrive', async () => {
  const flood = Array.from({ length: 20 }, () => server.gql(`{ ${aliases(2000, '__typename')} }`, { token: server.loginToken }))
  const health = await server.fetch('/health')
  assert.equal(health.status, 200)
  for (const r of await Promise.all(flood)) assert.equal(r.status, 400)
})

test('limits: GRAPHQL_INTROSPECTION=false refuses __schema and __type; GRAPHQL_MAX_ALIASES is configurable', async () => {
  const closed = await startServer({ env: { GRAPHQL_INTROSPECTION: 'false', GRAPHQL_MAX_ALIASES: '2' } })
  const schema = await closed.gql('{ __schema { queryType { name } } }')
  assert.equal(schema.status, 400)
  assert.match(schema.body.errors[0].message, /introspection/i)
  assert.equal((await closed.gql('{ __type(name: "Query") { name } }')).status, 400)
  assert.equal((await closed.gql('{ me { id } }')).status, 200)
  assert.equal((await closed.gql('{ a: me { id } b: me { id } }')).status, 200)
  assert.equal((await closed.gql('{ a: me { id } b: me { id } c: me { id } }')).status, 400)
})

// Arguments: bounded before any resolver works with them, answered as the reference's
// UserInputError, and nothing changes.

const SIGN_UP = 'mutation($email: String!, $name: String) { signUp(email: $email, name: $name) { ok error { code } } }'

test('input limits: a NUL character in any string argument is a UserInputError, not a 500, and changes nothing', async () => {
  const before = await counts(server)
  for (const variables of [{ email: `a\u0000${randomEmail()}` }, { email: randomEmail(), name: 'Ada\u0000' }]) {
    const { status, body } = await server.gql(SIGN_UP, { variables })
    assert.equal(status, 200, JSON.stringify(body))
    assert.equal(body.errors[0].extensions.code, 'UserInputError')
    assert.match(body.errors[0].message, /NUL/)
  }
  const persons = await server.gql('query($e: String) { persons(filter: { email: $e }) { id } }', { variables: { e: 'x\u0000' } })
  assert.equal(persons.body.errors[0].extensions.code, 'UserInputError')
  const signIn = await server.gql('mutation($p: String!) { signIn(email: "a@b.cz", password: $p) { ok } }', { token: server.loginToken, variables: { p: '\u0000' } })
  assert.equal(signIn.body.errors[0].extensions.code, 'UserInputError')
  assert.deepEqual(await counts(server), before)
})

test('input limits: strings over 16,384 characters, lists over 1,000 items and Json nested over 32 levels are refused', async () => {
  const before = await counts(server)
  const long = await server.gql(SIGN_UP, { variables: { email: randomEmail(), name: 'x'.repeat(16_385) } })
  assert.match(long.body.errors[0].message, /name is longer than 16384 characters/)
  const list = await server.gql('mutation($r: [String!]) { signUp(email: "list@example.com", roles: $r) { ok } }', { variables: { r: Array(1001).fill('login') } })
  assert.match(list.body.errors[0].message, /more than 1000 items/)
  let nested: unknown = 'x'
  for (let i = 0; i < 40; i++) nested = { n: nested }
  const deep = await server.gql('mutation($c: Json) { createProject(projectSlug: "deep-json", config: $c) { ok } }', { variables: { c: nested } })
  assert.match(deep.body.errors[0].message, /nested more than 32 levels/)
  assert.equal((await server.gql('{ projectBySlug(slug: "deep-json") { slug } }')).body.data.projectBySlug, null)
  assert.deepEqual(await counts(server), before)
})

test('input limits: an email of 3,000 characters at sign-in is an unknown email, not a 500', async () => {
  const email = `${'a'.repeat(3000)}@example.com`
  const r = await payload(server, 'mutation($e: String!) { signIn(email: $e, password: "Whatever-1") { ok error { code } } }', { e: email }, server.loginToken)
  assert.deepEqual(r, { ok: false, error: { code: 'UNKNOWN_EMAIL' } })
})

test('input limits: a token hash already in use is a UserInputError without the hash, and creates nothing', async () => {
  const first = await payload(server, 'mutation { createGlobalApiKey(description: "one") { ok result { apiKey { token } } } }')
  const { createHash } = await import('node:crypto')
  const hash = createHash('sha256').update(first.result.apiKey.token).digest('hex')
  const before = await counts(server)
  const again = await server.gql('mutation($h: String) { createGlobalApiKey(description: "two", tokenHash: $h) { ok } }', { variables: { h: hash } })
  assert.equal(again.body.errors[0].extensions.code, 'UserInputError')
  assert.doesNotMatch(JSON.stringify(again.body), new RegExp(hash))
  const project = await server.gql('mutation($h: String) { createProject(projectSlug: "dup-hash", deployTokenHash: $h) { ok } }', { variables: { h: hash } })
  assert.equal(project.body.errors[0].extensions.code, 'UserInputError')
  assert.deepEqual(await counts(server), before)
  assert.equal((await server.gql('{ projectBySlug(slug: "dup-hash") { slug } }')).body.data.projectBySlug, null)
})

test('input limits: a global role named "constructor" is only a name: its holder is answered, not a 500', async () => {
  const key = await payload(server, 'mutation { createGlobalApiKey(description: "odd", roles: ["constructor"]) { ok result { apiKey { token } } } }')
  assert.equal(key.ok, true)
  const me = await server.gql('{ me { roles } }', { token: key.result.apiKey.token })
  assert.deepEqual(me, { status: 200, body: { data: { me: { roles: ['constructor'] } } } })
  const refused = await server.gql('{ persons { id } }', { token: key.result.apiKey.token })
  assert.equal(refused.body.errors[0].extensions.code, 'ForbiddenError')
})

test('input limits: a project secret key over 255 characters is a UserInputError', async () => {
  const r = await server.gql('mutation($k: String!) { createProject(projectSlug: "long-secret-key", secrets: [{ key: $k, value: "v" }]) { ok } }', { variables: { k: 'k'.repeat(300) } })
  assert.equal(r.body.errors[0].extensions.code, 'UserInputError')
  assert.equal((await server.gql('{ projectBySlug(slug: "long-secret-key") { slug } }')).body.data.projectBySlug, null)
})
