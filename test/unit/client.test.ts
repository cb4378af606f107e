import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { bearerToken, createTenantClient, requireMembership, TenantApiError, variableValues, type Membership, type TokenInfo } from '../../packages/client/src/index.js'
import { generateToken } from '../../src/model/tokens.js'
import { payload, personWithSession } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'
import type { Introspection } from '../../src/model/introspection/introspect.js'

// The client a downstream service embeds, against a real tenant-api in this process.

const server = await startServer()

const ok = async (query: string, variables: Record<string, unknown> = {}) => {
  const r = await payload(server, query, variables)
  assert.equal(r.ok, true, JSON.stringify(r))
  return r
}
const acl = { roles: { editor: { variables: { language: { type: 'entity', entityName: 'Language' } } } } }
const editor = (...values: string[]) => ({ role: 'editor', variables: [{ name: 'language', values }] })

async function newProject() {
  const slug = `c-${randomBytes(5).toString('hex')}`
  await ok('mutation($slug: String!, $config: Json) { createProject(projectSlug: $slug, config: $config, options: { noDeployToken: true }) { ok } }', { slug, config: { acl } })
  return slug
}
async function projectKey(slug: string) {
  const r = await ok(`mutation($slug: String!) { createApiKey(projectSlug: $slug, memberships: [{ role: "editor", variables: [{ name: "language", values: ["cs"] }] }], description: "k") {
    ok result { apiKey { id token identity { id } } } } }`, { slug })
  return r.result.apiKey as { id: string; token: string; identity: { id: string } }
}
const disable = (id: string) => ok('mutation($id: String!) { disableApiKey(id: $id) { ok } }', { id })

const introspector = (await ok('mutation { createGlobalApiKey(description: "content api", roles: ["introspector"]) { ok result { apiKey { token } } } }'))
  .result.apiKey.token as string

/** A client whose requests to tenant-api are counted. */
function countingClient(options: { token?: string; cacheTtlMs?: number } = {}) {
  const calls = { count: 0 }
  const client = createTenantClient({
    url: server.url,
    token: options.token ?? introspector,
    ...(options.cacheTtlMs === undefined ? {} : { cacheTtlMs: options.cacheTtlMs }),
    fetch: (input, init) => { calls.count += 1; return fetch(input, init) },
  })
  return { client, calls }
}

/** What POST /introspect itself answers. */
async function endpoint(token: string, project?: string) {
  const res = await server.fetch('/introspect', {
    method: 'POST', headers: { authorization: `Bearer ${introspector}`, 'content-type': 'application/json' }, body: JSON.stringify({ token, project }),
  })
  return res.json()
}

test('verifyToken: answers what POST /introspect answers, with and without a project', async () => {
  const slug = await newProject()
  const key = await projectKey(slug)
  const { client } = countingClient({ cacheTtlMs: 0 })
  const info = await client.verifyToken(key.token, slug)
  assert.deepEqual(info, {
    active: true, type: 'permanent', identityId: key.identity.id, personId: null, email: null, emailVerified: false, roles: [],
    project: { slug, memberships: [editor('cs')] }, expiresAt: null,
  })
  assert.deepEqual(info, await endpoint(key.token, slug))
  const withoutProject = await client.verifyToken(key.token)
  assert.deepEqual(withoutProject, await endpoint(key.token))
  assert.deepEqual(withoutProject, { ...info, project: null })
  assert.deepEqual(await client.verifyToken(generateToken(), slug), { active: false })
})

test('verifyToken: with cacheTtlMs 0 a disabled key is inactive on the next call', async () => {
  const slug = await newProject()
  const key = await projectKey(slug)
  const { client, calls } = countingClient({ cacheTtlMs: 0 })
  assert.equal((await client.verifyToken(key.token, slug)).active, true)
  await disable(key.id)
  assert.deepEqual(await client.verifyToken(key.token, slug), { active: false })
  assert.equal(calls.count, 2)
})

test('verifyToken: with cacheTtlMs 60000 the second call reuses the answer; another project or token asks again', async () => {
  const slug = await newProject()
  const key = await projectKey(slug)
  const { client, calls } = countingClient({ cacheTtlMs: 60_000 })
  const first = await client.verifyToken(key.token, slug)
  assert.deepEqual(await client.verifyToken(key.token, slug), first)
  assert.equal(calls.count, 1)
  await client.verifyToken(key.token)
  await client.verifyToken(generateToken(), slug)
  assert.equal(calls.count, 3)
  client.clearCache()
  await client.verifyToken(key.token, slug)
  assert.equal(calls.count, 4)
})

test('verifyToken: concurrent questions about one token share one request', async () => {
  const slug = await newProject()
  const key = await projectKey(slug)
  const { client, calls } = countingClient({ cacheTtlMs: 60_000 })
  const answers = await Promise.all([client.verifyToken(key.token, slug), client.verifyToken(key.token, slug)])
  assert.deepEqual(answers[0], answers[1])
  assert.equal(calls.count, 1)
})

test('verifyToken: an unknown introspector token rejects with TenantApiError 401, a person without the role with 403; neither is cached', async () => {
  const slug = await newProject()
  const key = await projectKey(slug)
  const person = await personWithSession(server)
  for (const [token, status] of [[generateToken(), 401], [person.token, 403]] as const) {
    const { client, calls } = countingClient({ token, cacheTtlMs: 60_000 })
    for (let i = 0; i < 2; i++) {
      await assert.rejects(client.verifyToken(key.token, slug), (error: unknown) =>
        error instanceof TenantApiError && error.status === status && !error.message.includes(key.token))
    }
    assert.equal(calls.count, 2, `status ${status}: the failure was not remembered`)
  }
})

const bearerCases: { header: string | undefined; token: string | null }[] = [
  { header: 'Bearer abc123', token: 'abc123' },
  { header: 'bearer abc123', token: 'abc123' },
  { header: 'BEARER abc123', token: 'abc123' },
  { header: 'Bearer   abc123  ', token: 'abc123' },
  { header: 'Bearer\tabc123', token: 'abc123' },
  { header: undefined, token: null },
  { header: '', token: null },
  { header: 'Bearer', token: null },
  { header: 'Bearer ', token: null },
  { header: 'Basic abc123', token: null },
  { header: 'Bearer abc 123', token: null },
  { header: 'abc123', token: null },
  { header: ' Bearer abc123', token: null },
]
for (const c of bearerCases) {
  test(`bearerToken(${JSON.stringify(c.header)}) is ${JSON.stringify(c.token)}`, () => assert.equal(bearerToken(c.header), c.token))
}

const active = (memberships: Membership[] | null): TokenInfo => ({
  active: true, type: 'permanent', identityId: 'i', personId: null, email: null, emailVerified: false, roles: [], expiresAt: null,
  project: memberships === null ? null : { slug: 'p', memberships },
})
const variableCases: { name: string; info: TokenInfo; variable: string; values: string[] }[] = [
  { name: 'an inactive token', info: { active: false }, variable: 'language', values: [] },
  { name: 'no project asked', info: active(null), variable: 'language', values: [] },
  { name: 'no memberships', info: active([]), variable: 'language', values: [] },
  { name: 'one membership', info: active([editor('cs', 'en')]), variable: 'language', values: ['cs', 'en'] },
  { name: 'another variable', info: active([editor('cs')]), variable: 'site', values: [] },
  { name: 'a role without variables', info: active([{ role: 'reader', variables: [] }]), variable: 'language', values: [] },
  {
    name: 'several memberships, values once each',
    info: active([editor('cs', 'en'), { role: 'admin', variables: [{ name: 'language', values: ['en', 'de'] }, { name: 'site', values: ['x'] }] }]),
    variable: 'language', values: ['cs', 'en', 'de'],
  },
]
for (const c of variableCases) {
  test(`variableValues: ${c.name}`, () => assert.deepEqual(variableValues(c.info, c.variable), c.values))
}

/** Runs the middleware on fake node:http objects; answers what it sent, or that next was called. */
async function runMiddleware(client: ReturnType<typeof createTenantClient>, project: string, authorization?: string) {
  const req: { headers: { authorization?: string }; tenant?: TokenInfo } = { headers: authorization === undefined ? {} : { authorization } }
  const sent = { status: 0, headers: {} as Record<string, string>, body: undefined as unknown }
  const res = {
    statusCode: 200,
    setHeader(name: string, value: string) { sent.headers[name.toLowerCase()] = value },
    end(body?: string) { sent.status = this.statusCode; sent.body = body === undefined ? undefined : JSON.parse(body) },
  }
  const nextCalls: unknown[][] = []
  await requireMembership(client, project)(req, res, (...args: unknown[]) => { nextCalls.push(args) })
  return { req, sent, nextCalls }
}

test('requireMembership: no Authorization header, or a malformed one, is 401 and next is not called', async () => {
  const { client, calls } = countingClient({ cacheTtlMs: 0 })
  for (const header of [undefined, 'Basic abc']) {
    const r = await runMiddleware(client, 'p', header)
    assert.deepEqual([r.sent.status, r.sent.headers['content-type'], r.nextCalls], [401, 'application/json', []])
    assert.deepEqual(r.sent.body, { error: 'a Bearer token is required' })
  }
  assert.equal(calls.count, 0, 'tenant-api was not asked')
})

test('requireMembership: an inactive token (unknown or disabled) is 401', async () => {
  const slug = await newProject()
  const key = await projectKey(slug)
  await disable(key.id)
  const { client } = countingClient({ cacheTtlMs: 0 })
  for (const token of [generateToken(), key.token]) {
    const r = await runMiddleware(client, slug, `Bearer ${token}`)
    assert.deepEqual([r.sent.status, r.sent.body, r.nextCalls, r.req.tenant], [401, { error: 'the token is not active' }, [], undefined])
  }
})

test('requireMembership: an active token without a membership in the project is 403', async () => {
  const slug = await newProject()
  const other = await newProject()
  const key = await projectKey(other)
  const person = await personWithSession(server)
  const { client } = countingClient({ cacheTtlMs: 0 })
  for (const token of [key.token, person.token, introspector]) {
    const r = await runMiddleware(client, slug, `Bearer ${token}`)
    assert.deepEqual([r.sent.status, r.sent.body, r.nextCalls, r.req.tenant], [403, { error: `the token has no membership in ${slug}` }, [], undefined])
  }
})

test('requireMembership: a member\'s request goes on with req.tenant set and nothing sent', async () => {
  const slug = await newProject()
  const key = await projectKey(slug)
  const { client } = countingClient({ cacheTtlMs: 0 })
  const r = await runMiddleware(client, slug, `Bearer ${key.token}`)
  assert.deepEqual(r.nextCalls, [[]])
  assert.equal(r.sent.status, 0)
  assert.deepEqual(r.req.tenant, await endpoint(key.token, slug))
  assert.deepEqual(variableValues(r.req.tenant!, 'language'), ['cs'])
})

test('requireMembership: when tenant-api refuses the client, the error goes to next and nothing is sent', async () => {
  const slug = await newProject()
  const key = await projectKey(slug)
  const { client } = countingClient({ token: generateToken(), cacheTtlMs: 0 })
  const r = await runMiddleware(client, slug, `Bearer ${key.token}`)
  assert.equal(r.nextCalls.length, 1)
  assert.ok(r.nextCalls[0]![0] instanceof TenantApiError)
  assert.equal((r.nextCalls[0]![0] as TenantApiError).status, 401)
  assert.deepEqual([r.sent.status, r.req.tenant], [0, undefined])
})

// The client package has its own copy of the answer's type (it imports nothing of the server):
// `npm test` type-checks that the two still match, both ways.
export const serverAnswerIsTokenInfo = (answer: Introspection): TokenInfo => answer
export const tokenInfoIsServerAnswer = (info: TokenInfo): Introspection => info
