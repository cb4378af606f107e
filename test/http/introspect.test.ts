import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { manualClock } from '../../src/model/clock.js'
import { generateToken } from '../../src/model/tokens.js'
import { backend, createTestDatabaseUrl } from '../helpers/db.js'
import { randomEmail } from '../helpers/fixtures.js'
import { payload, personWithSession } from '../helpers/persons.js'
import { startServer, testEncryptionKey, type TestServer } from '../helpers/server.js'

const server = await startServer()

const acl = { roles: { editor: { variables: { language: { type: 'entity', entityName: 'Language' } } }, reader: {} } }
const CREATE_PROJECT = 'mutation($slug: String!, $config: Json) { createProject(projectSlug: $slug, config: $config, options: { noDeployToken: true }) { ok } }'
const CREATE_KEY = `mutation($slug: String!, $m: [MembershipInput!]!) { createApiKey(projectSlug: $slug, memberships: $m, description: "k") {
  ok result { apiKey { id token identity { id } } } } }`
const CREATE_GLOBAL = 'mutation($roles: [String!]) { createGlobalApiKey(description: "content api", roles: $roles) { ok result { apiKey { id token identity { id } } } } }'
const DISABLE_KEY = 'mutation($id: String!) { disableApiKey(id: $id) { ok } }'
const MEMBER = (op: string) => `mutation($slug: String!, $id: String!, $m: [MembershipInput!]!) { ${op}(projectSlug: $slug, identityId: $id, memberships: $m) { ok } }`
const REMOVE_MEMBER = 'mutation($slug: String!, $id: String!) { removeProjectMember(projectSlug: $slug, identityId: $id) { ok } }'
const editor = (...values: string[]) => ({ role: 'editor', variables: [{ name: 'language', values }] })

const ok = async (s: TestServer, query: string, variables: Record<string, unknown>, token?: string) => {
  const r = await payload(s, query, variables, token)
  assert.equal(r.ok, true, JSON.stringify(r))
  return r
}
const globalKey = async (s: TestServer, roles: string[]) => (await ok(s, CREATE_GLOBAL, { roles })).result.apiKey as { id: string; token: string }
async function newProject(s: TestServer = server) {
  const slug = `i-${randomBytes(5).toString('hex')}`
  await ok(s, CREATE_PROJECT, { slug, config: { acl } })
  return slug
}
const projectKey = async (slug: string, m = [editor('cs')]) =>
  (await ok(server, CREATE_KEY, { slug, m })).result.apiKey as { id: string; token: string; identity: { id: string } }

const introspector = (await globalKey(server, ['introspector'])).token

/** POST /introspect; a string body is sent as it is (form-encoded unless told). */
async function ask(body: unknown, options: { caller?: string | null; type?: string; s?: TestServer } = {}) {
  const { caller = introspector, s = server } = options
  const headers: Record<string, string> = {}
  if (caller !== null) headers.authorization = `Bearer ${caller}`
  if (body !== undefined) headers['content-type'] = options.type ?? (typeof body === 'string' ? 'application/x-www-form-urlencoded' : 'application/json')
  const res = await s.fetch('/introspect', { method: 'POST', headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) })
  return { status: res.status, cacheControl: res.headers.get('cache-control'), body: await res.json() }
}
/** The answer of a successful introspection. */
async function info(token: string, project?: string | null, s?: TestServer) {
  const r = await ask(project === undefined ? { token } : { token, project }, { s })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body
}

test('introspect: without a bearer token, or with an unknown or malformed one, the caller gets 401 and nothing else', async () => {
  const { token } = await projectKey(await newProject())
  const cases = [
    { caller: null, reason: 'MISSING', body: { token } },
    { caller: null, reason: 'MISSING', body: undefined },
    { caller: generateToken(), reason: 'INVALID', body: { token } },
    { caller: 'a b', reason: 'MALFORMED', body: { token } },
  ]
  for (const { caller, reason, body } of cases) {
    const r = await ask(body, { caller })
    assert.equal(r.status, 401, `${caller} ${JSON.stringify(body)}`)
    assert.deepEqual(r.body.errors.map((e: any) => [e.code, e.reason]), [[401, reason]])
    assert.equal(JSON.stringify(r.body).includes('active'), false)
  }
})

test('introspect: an anonymous caller gets 401 before a malformed body is read', async () => {
  assert.equal((await ask('{"token":', { caller: null, type: 'application/json' })).status, 401)
})

test('introspect: a caller without introspector or super_admin gets 403, the same for an active and an unknown token', async () => {
  const slug = await newProject()
  const { token } = await projectKey(slug)
  const person = await personWithSession(server)
  const projectAdmin = await globalKey(server, ['project_admin'])
  for (const caller of [person.token, server.loginToken, projectAdmin.token, token]) {
    const active = await ask({ token, project: slug }, { caller })
    const unknown = await ask({ token: generateToken(), project: slug }, { caller })
    assert.deepEqual([active.status, unknown.status], [403, 403])
    assert.deepEqual(active.body, unknown.body)
    assert.deepEqual(active.body, { errors: [{ code: 403, message: 'Introspection needs the introspector or super_admin role' }] })
  }
})

test('introspect: a missing or empty token, or a project that is not a string, is 400', async () => {
  for (const body of [{}, { token: '' }, { token: 42 }, { token: null }, { project: 'x' }, 'project=x']) {
    const r = await ask(body)
    assert.deepEqual([r.status, r.body.errors?.[0]?.message], [400, 'Send the token to check as "token"'], JSON.stringify(body))
  }
  for (const project of [5, ['a'], { slug: 'a' }, true]) {
    const r = await ask({ token: generateToken(), project })
    assert.deepEqual([r.status, r.body.errors?.[0]?.message], [400, '"project" must be a project slug'], JSON.stringify(project))
  }
})

test('introspect: a project key is active: permanent, no person, its memberships in the project, no expiry; no-store', async () => {
  const slug = await newProject()
  const key = await projectKey(slug, [editor('cs', 'en')])
  const r = await ask({ token: key.token, project: slug })
  assert.equal(r.cacheControl, 'no-store')
  assert.deepEqual(r.body, {
    active: true, type: 'permanent', identityId: key.identity.id, personId: null, email: null, emailVerified: false, roles: [],
    project: { slug, memberships: [editor('cs', 'en')] }, expiresAt: null,
  })
})

test('introspect: a person\'s session is active with type session, email, role person and an ISO expiry', async () => {
  const person = await personWithSession(server)
  const body = await info(person.token, null)
  assert.deepEqual({ ...body, expiresAt: typeof body.expiresAt }, {
    active: true, type: 'session', identityId: person.identityId, personId: person.personId, email: person.email,
    emailVerified: false, roles: ['person'], project: null, expiresAt: 'string',
  })
  assert.equal(new Date(body.expiresAt).toISOString(), body.expiresAt)
  assert.ok(Date.parse(body.expiresAt) > Date.now())
})

test('introspect: form-encoded token and project answer as JSON does', async () => {
  const slug = await newProject()
  const key = await projectKey(slug)
  const form = await ask(`token=${key.token}&project=${encodeURIComponent(slug)}`)
  assert.equal(form.status, 200)
  assert.deepEqual(form.body, await info(key.token, slug))
  assert.equal(form.body.project.slug, slug)
})

test('introspect: without a project (left out, null or empty) the answer has project null; a project it is not in has no memberships', async () => {
  const slug = await newProject()
  const other = await newProject()
  const key = await projectKey(slug)
  for (const project of [undefined, null, '']) assert.equal((await info(key.token, project)).project, null, String(project))
  assert.deepEqual((await info(key.token, other)).project, { slug: other, memberships: [] })
  const unknown = `i-${randomBytes(5).toString('hex')}`
  assert.deepEqual((await info(key.token, unknown)).project, { slug: unknown, memberships: [] })
})

test('introspect: unknown, disabled and signed-out tokens, and a disabled person\'s session, are { active: false } only', async () => {
  const slug = await newProject()
  const disabled = await projectKey(slug)
  const signedOut = await personWithSession(server)
  const disabledPerson = await personWithSession(server)
  // Asked once before, so their answers are cached when they stop working.
  for (const { token } of [disabled, signedOut, disabledPerson]) assert.equal((await info(token, slug)).active, true)
  await ok(server, DISABLE_KEY, { id: disabled.id })
  assert.equal((await server.gql('mutation { signOut { ok } }', { token: signedOut.token })).body.data.signOut.ok, true)
  await ok(server, 'mutation($id: String!) { disablePerson(personId: $id) { ok } }', { id: disabledPerson.personId })
  for (const token of [generateToken(), 'not-even-hex', disabled.token, signedOut.token, disabledPerson.token]) {
    const r = await ask({ token, project: slug })
    assert.deepEqual([r.status, r.body, r.cacheControl], [200, { active: false }, 'no-store'], token)
  }
})

test('introspect: a session unused for longer than its expiration is { active: false }', async () => {
  const clock = manualClock(new Date('2026-05-01T08:00:00Z'))
  const s = await startServer({ clock })
  const caller = (await globalKey(s, ['introspector'])).token
  const email = randomEmail()
  await ok(s, 'mutation($email: String!) { signUp(email: $email, password: "Intro-Spect-42") { ok } }', { email })
  const signIn = await payload(s, 'mutation($email: String!) { signIn(email: $email, password: "Intro-Spect-42", expiration: 5) { ok result { token } } }', { email }, s.loginToken)
  const token = signIn.result.token
  const at = (ms: number) => new Date(clock.now().getTime() + ms).toISOString()
  const expected = at(5 * 60_000)
  const first = await ask({ token }, { s, caller })
  assert.deepEqual([first.body.active, first.body.expiresAt], [true, expected])
  clock.advance(5 * 60_000 + 1000)
  assert.deepEqual((await ask({ token }, { s, caller })).body, { active: false })
})

test('introspect: a repeated question is answered without the database (api_key renamed away in between)', async () => {
  const slug = await newProject()
  const key = await projectKey(slug)
  const person = await personWithSession(server)
  const first = [await info(key.token, slug), await info(person.token, slug)]
  const db = server.app.deps.db
  await db.query('ALTER TABLE api_key RENAME TO api_key_moved')
  try {
    assert.deepEqual([await info(key.token, slug), await info(person.token, slug)], first)
    assert.equal(first[0].active, true)
  } finally {
    await db.query('ALTER TABLE api_key_moved RENAME TO api_key')
  }
})

test('introspect: disableApiKey makes a token inactive at once, even with its answer cached', async () => {
  const slug = await newProject()
  const key = await projectKey(slug)
  assert.equal((await info(key.token, slug)).active, true)
  assert.equal((await info(key.token, slug)).active, true)
  await ok(server, DISABLE_KEY, { id: key.id })
  assert.deepEqual(await info(key.token, slug), { active: false })
})

test('introspect: addProjectMember, updateProjectMember and removeProjectMember show in the next answer', async () => {
  const slug = await newProject()
  const person = await personWithSession(server)
  const memberships = async () => (await info(person.token, slug)).project.memberships
  assert.deepEqual(await memberships(), [])
  await ok(server, MEMBER('addProjectMember'), { slug, id: person.identityId, m: [editor('cs')] })
  assert.deepEqual(await memberships(), [editor('cs')])
  await ok(server, MEMBER('updateProjectMember'), { slug, id: person.identityId, m: [editor('de', 'en')] })
  assert.deepEqual(await memberships(), [editor('de', 'en')])
  await ok(server, REMOVE_MEMBER, { slug, id: person.identityId })
  assert.deepEqual(await memberships(), [])
})

test('introspect: addGlobalIdentityRoles shows in roles; changeProfile\'s email shows in email', async () => {
  const person = await personWithSession(server)
  assert.deepEqual(await info(person.token), { ...await info(person.token), roles: ['person'], email: person.email })
  await ok(server, 'mutation($id: String!) { addGlobalIdentityRoles(identityId: $id, roles: ["project_creator"]) { ok } }', { id: person.identityId })
  assert.deepEqual([...(await info(person.token)).roles].sort(), ['person', 'project_creator'])
  const email = randomEmail()
  await ok(server, 'mutation($id: String!, $email: String) { changeProfile(personId: $id, email: $email) { ok } }', { id: person.personId, email })
  assert.equal((await info(person.token)).email, email)
})

test('introspect: a super_admin may introspect too', async () => {
  const slug = await newProject()
  const key = await projectKey(slug)
  const r = await ask({ token: key.token, project: slug }, { caller: server.rootToken })
  assert.deepEqual([r.status, r.body.active, r.body.project], [200, true, { slug, memberships: [editor('cs')] }])
})

test('introspect: tokens never appear in the log, at LOG_LEVEL trace', async () => {
  const root = generateToken()
  const login = generateToken()
  const storage = backend === 'postgres'
    ? { DATABASE_URL: await createTestDatabaseUrl(), TENANT_ENCRYPTION_KEY: testEncryptionKey }
    : { DATA_DIR: await mkdtemp(join(tmpdir(), 'tenant-api-introspect-')) }
  const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'serve'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'trace', CONTEMBER_ROOT_TOKEN: root, CONTEMBER_LOGIN_TOKEN: login, ...storage },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let log = ''
  child.stdout.on('data', (d) => { log += d })
  child.stderr.on('data', (d) => { log += d })
  const exited = new Promise((resolve) => child.on('exit', resolve))
  try {
    const deadline = Date.now() + 30_000
    let port: string | undefined
    while (!(port = /tenant-api on http:\/\/127\.0\.0\.1:(\d+)\//.exec(log)?.[1]) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50))
    assert.ok(port, log)
    const url = `http://127.0.0.1:${port}`
    const post = (path: string, token: string, body: string, type = 'application/json') =>
      fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': type }, body }).then((r) => r.json())
    const created = await post('/tenant', root, JSON.stringify({ query: 'mutation { createGlobalApiKey(description: "c", roles: ["introspector"]) { result { apiKey { token } } } }' }))
    const caller: string = created.data.createGlobalApiKey.result.apiKey.token
    const asked = [generateToken(), root, login]
    for (const token of asked) {
      await post('/introspect', caller, JSON.stringify({ token, project: 'p' }))
      await post('/introspect', caller, `token=${token}&project=p`, 'application/x-www-form-urlencoded')
      await post('/introspect', login, JSON.stringify({ token }))
    }
    const stranger = generateToken()
    await post('/introspect', stranger, JSON.stringify({ token: root }))
    assert.match(log, /"status":403/, 'the requests were logged')
    for (const token of [root, login, caller, stranger, ...asked]) assert.equal(log.includes(token), false, 'a token is in the log')
  } finally {
    child.kill('SIGTERM')
    await exited
  }
})
