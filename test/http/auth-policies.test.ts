import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { afterEach, test } from 'node:test'
import { generate } from 'otplib'
import { createPostgresDb } from '../../src/db/db.js'
import { manualClock } from '../../src/model/clock.js'
import { generateToken } from '../../src/model/tokens.js'
import { backend, createTestDatabaseUrl } from '../helpers/db.js'
import { payload, personWithSession, signUpPerson, type SignedUpPerson } from '../helpers/persons.js'
import { startServer, type TestServer } from '../helpers/server.js'

// Auth policies over HTTP: root manages them (createAuthPolicy, authPolicies, updateAuthPolicy,
// deleteAuthPolicy, with their error codes and the auth log); a plain person may not, a project
// admin only for what cannot reach above it. Then what they do at sign-in: MFA enforced with an
// enrolment through signIn itself (backup codes, OTP from then on, the last factor kept), a grace
// period from the policy or from login.mfaGraceDuration, sessions capped by tokenExpiration and
// never prolonged past it, ended by idleTimeout, kept to the default length at most by rememberMeAllowed
// false, project policies reaching only that project's members with the role, and (PostgreSQL
// only) a policy made on one node in force on another at once.

const clock = manualClock(new Date('2026-06-01T08:00:00Z'))
const server = await startServer({ clock })

const minute = 60_000

// A code computed here, as the person's authenticator app would, at the server's time.
const codeAt = (secret: string) => generate({ secret, epoch: Math.floor(clock.now().getTime() / 1000) })

const POLICY_FIELDS = 'id scope project roles mfaRequired tokenExpiration idleTimeout mfaGraceDuration rememberMeAllowed'
const LIST = `{ authPolicies { ${POLICY_FIELDS} } }`
const CREATE = 'mutation($p: AuthPolicyInput!) { createAuthPolicy(policy: $p) { ok error { code developerMessage } result { id } } }'
const UPDATE = 'mutation($id: String!, $p: AuthPolicyInput!) { updateAuthPolicy(id: $id, policy: $p) { ok error { code developerMessage } } }'
const DELETE = 'mutation($id: String!) { deleteAuthPolicy(id: $id) { ok error { code developerMessage } } }'
const SIGN_IN = `mutation($email: String!, $password: String!, $expiration: Int, $otp: String) {
  signIn(email: $email, password: $password, expiration: $expiration, otpToken: $otp) {
    ok error { code developerMessage mfaEnrollment { otpUri otpSecret } } result { token backupCodes person { id otpEnabled } } } }`
const AUTH_LOG = `query($types: [String!], $personId: String) {
  authLog(filter: { types: $types, personId: $personId }) { entries { type success personId errorCode metadata eventData } } }`
const CONFIGURE = 'mutation($config: ConfigInput!) { configure(config: $config) { ok error { code developerMessage } } }'

type PolicyInput = Record<string, unknown>

const list = async (s: TestServer = server, token?: string) => (await payload(s, LIST, {}, token)) as Record<string, unknown>[]
const create = (p: PolicyInput, token?: string, s: TestServer = server) => payload(s, CREATE, { p }, token)
const update = (id: string, p: PolicyInput, token?: string) => payload(server, UPDATE, { id, p }, token)
const remove = (id: string, token?: string) => payload(server, DELETE, { id }, token)

/** Creates a policy as root; fails the test unless it is made. */
async function policy(p: PolicyInput, s: TestServer = server): Promise<string> {
  const r = await create(p, undefined, s)
  assert.equal(r.ok, true, JSON.stringify(r))
  return r.result.id
}

/** The GraphQL error (code and message) a call answers instead of data. */
async function graphqlError(query: string, variables: Record<string, unknown>, token?: string) {
  const { status, body } = await server.gql(query, { variables, token })
  // 200, or 400 when no data is left (a query whose only field is non-null).
  assert.ok(status === 200 || status === 400, `${status} ${JSON.stringify(body)}`)
  assert.ok(body.errors?.length === 1, JSON.stringify(body))
  return { code: body.errors[0].extensions?.code as string | undefined, message: body.errors[0].message as string }
}

const signIn = async (person: { email: string; password: string | null }, extra: { expiration?: number; otp?: string } = {}, s: TestServer = server) =>
  payload(s, SIGN_IN, { email: person.email, password: person.password, ...extra }, s.loginToken)

/** `ok` or the code signIn answers. */
const signInAnswer = async (person: SignedUpPerson, extra: { expiration?: number; otp?: string } = {}) => {
  const r = await signIn(person, extra)
  return r.ok ? 'ok' : r.error.code
}

const authLog = async (types: string[], personId?: string) =>
  (await payload(server, AUTH_LOG, { types, personId })).entries as { type: string; success: boolean; personId: string | null; errorCode: string | null; metadata: any; eventData: any }[]

const status = async (token: string) => (await server.gql('{ me { id } }', { token })).status

/** The session of `token`, as its person sees it. */
async function currentSession(token: string) {
  const sessions = (await payload(server, '{ me { sessions { id isCurrent expiresAt } } }', {}, token)).sessions as { id: string; isCurrent: boolean; expiresAt: string }[]
  return sessions.find((s) => s.isCurrent)!
}

const configure = (config: unknown) => payload(server, CONFIGURE, { config })

async function newProject(roles: string[] = ['editor', 'reader']) {
  const slug = `ap-${randomBytes(5).toString('hex')}`
  const acl = { roles: Object.fromEntries(roles.map((role) => [role, {}])) }
  const r = await payload(server, `mutation($slug: String!, $config: Json) {
    createProject(projectSlug: $slug, config: $config, options: { noDeployToken: true }) { ok error { code developerMessage } } }`, { slug, config: { acl } })
  assert.equal(r.ok, true, JSON.stringify(r))
  return slug
}

async function addMember(slug: string, identityId: string, role: string) {
  const r = await payload(server, `mutation($slug: String!, $id: String!, $m: [MembershipInput!]!) {
    addProjectMember(projectSlug: $slug, identityId: $id, memberships: $m) { ok error { code developerMessage } } }`,
  { slug, id: identityId, m: [{ role, variables: [] }] })
  assert.equal(r.ok, true, JSON.stringify(r))
}

// Every test leaves no policy behind and login.mfaGraceDuration at its default.
afterEach(async () => {
  for (const p of await list()) assert.equal((await remove(p.id as string)).ok, true)
  assert.equal((await configure({ login: { mfaGraceDuration: null } })).ok, true)
  // Past any sign-in back-off a test left.
  clock.advance(5_000)
})

test('auth policies: create, list, update (every field replaced), delete as root; each change in the auth log', async () => {
  const created = await create({ scope: 'global', roles: ['person'], mfaRequired: true, tokenExpiration: 'PT8H' })
  assert.equal(created.ok, true, JSON.stringify(created))
  assert.equal(created.error, null)
  const id = created.result.id as string
  clock.advance(1_000) // so the auth log orders the changes
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  assert.deepEqual(await list(), [{
    id, scope: 'global', project: null, roles: ['person'], mfaRequired: true,
    tokenExpiration: 'PT8H', idleTimeout: null, mfaGraceDuration: null, rememberMeAllowed: null,
  }])

  // Every field is given anew; those left out are cleared.
  assert.deepEqual(await update(id, { scope: 'global', roles: ['person', 'project_admin'], idleTimeout: 'PT30M', mfaGraceDuration: 'P1D', rememberMeAllowed: false }),
    { ok: true, error: null })
  assert.deepEqual(await list(), [{
    id, scope: 'global', project: null, roles: ['person', 'project_admin'], mfaRequired: null,
    tokenExpiration: null, idleTimeout: 'PT30M', mfaGraceDuration: 'P1D', rememberMeAllowed: false,
  }])
  clock.advance(1_000)
  const slug = await newProject()
  assert.deepEqual(await update(id, { scope: 'project', project: slug, roles: ['editor'], mfaRequired: false }), { ok: true, error: null })
  assert.deepEqual(await list(), [{
    id, scope: 'project', project: slug, roles: ['editor'], mfaRequired: false,
    tokenExpiration: null, idleTimeout: null, mfaGraceDuration: null, rememberMeAllowed: null,
  }])
  clock.advance(1_000)

  assert.deepEqual(await remove(id), { ok: true, error: null })
  assert.deepEqual(await list(), [])

  const log = await authLog(['auth_policy_change'])
  // Newest first.
  assert.deepEqual(log.map((e) => [e.eventData.operation, e.eventData.id, e.success]),
    [['delete', id, true], ['update', id, true], ['update', id, true], ['create', id, true]])
  assert.deepEqual(log[3]!.eventData.policy, {
    scope: 'global', project: null, roles: ['person'], mfaRequired: true, tokenExpiration: 'PT8H', idleTimeout: null, mfaGraceDuration: null, rememberMeAllowed: null,
  })
  assert.equal(log[1]!.eventData.policy.project, slug)
})

test('auth policies: PROJECT_NOT_ALLOWED, PROJECT_REQUIRED, PROJECT_NOT_FOUND, NOT_FOUND; nothing is stored', async () => {
  const slug = await newProject()
  const cases: [PolicyInput, string][] = [
    [{ scope: 'global', project: slug, roles: ['person'], mfaRequired: true }, 'PROJECT_NOT_ALLOWED'],
    [{ scope: 'project', roles: ['editor'], mfaRequired: true }, 'PROJECT_REQUIRED'],
    [{ scope: 'project', project: `no-such-${randomBytes(4).toString('hex')}`, roles: ['editor'], mfaRequired: true }, 'PROJECT_NOT_FOUND'],
  ]
  for (const [input, code] of cases) {
    const r = await create(input)
    assert.equal(r.ok, false)
    assert.equal(r.error.code, code, JSON.stringify(r))
    assert.equal(r.result, null)
  }
  assert.deepEqual(await list(), [])

  const id = await policy({ scope: 'global', roles: ['person'], tokenExpiration: 'PT8H' })
  const before = await list()
  for (const [input, code] of cases) {
    const r = await update(id, input)
    assert.equal(r.error.code, code, JSON.stringify(r))
  }
  for (const unknown of ['00000000-0000-0000-0000-000000000000', 'not-a-uuid']) {
    assert.equal((await update(unknown, { scope: 'global', roles: ['person'] })).error.code, 'NOT_FOUND')
    assert.equal((await remove(unknown)).error.code, 'NOT_FOUND')
  }
  assert.deepEqual(await list(), before, 'the refused changes changed nothing')
  assert.equal((await authLog(['auth_policy_change'])).filter((e) => e.eventData.id === id).length, 1, 'only the create was logged')
})

test('auth policies: a duration under a minute or not a duration is a UserInputError and stores nothing', async () => {
  for (const tokenExpiration of ['PT10S', 'nonsense']) {
    const error = await graphqlError(CREATE, { p: { scope: 'global', roles: ['person'], tokenExpiration } })
    assert.equal(error.code, 'UserInputError', error.message)
  }
  for (const idleTimeout of ['PT59S', '12 bananas']) {
    const error = await graphqlError(CREATE, { p: { scope: 'global', roles: ['person'], idleTimeout } })
    assert.equal(error.code, 'UserInputError', error.message)
  }
  assert.deepEqual(await list(), [])
  const id = await policy({ scope: 'global', roles: ['person'], tokenExpiration: 'PT8H' })
  const error = await graphqlError(UPDATE, { id, p: { scope: 'global', roles: ['person'], tokenExpiration: 'PT10S' } })
  assert.equal(error.code, 'UserInputError')
  assert.equal((await list())[0]!.tokenExpiration, 'PT8H', 'a refused update keeps the policy as it was')
})

test('auth policies: a plain person may neither list nor change them (ForbiddenError)', async () => {
  const id = await policy({ scope: 'global', roles: ['person'], tokenExpiration: 'PT8H' })
  const { token } = await personWithSession(server)
  const calls: [string, Record<string, unknown>][] = [
    [LIST, {}],
    [CREATE, { p: { scope: 'global', roles: ['person'], mfaRequired: false } }],
    [UPDATE, { id, p: { scope: 'global', roles: ['person'] } }],
    [DELETE, { id }],
  ]
  for (const [query, variables] of calls) {
    const error = await graphqlError(query, variables, token)
    assert.equal(error.code, 'ForbiddenError', query)
    assert.match(error.message, /^You are not allowed to (view|manage) auth policies$/)
  }
  assert.deepEqual((await list()).map((p) => [p.id, p.tokenExpiration]), [[id, 'PT8H']])
})

test('auth policies: a project admin manages project policies and global ones on roles it may grant, not on person or super_admin', async () => {
  const slug = await newProject()
  const rootMade = await policy({ scope: 'global', roles: ['person'], tokenExpiration: 'PT8H' })
  const { token } = await personWithSession(server, { roles: ['project_admin'] })

  const own = await create({ scope: 'project', project: slug, roles: ['editor'], mfaRequired: true }, token)
  assert.equal(own.ok, true, JSON.stringify(own))
  const onLogin = await create({ scope: 'global', roles: ['login'], idleTimeout: 'PT1H' }, token)
  assert.equal(onLogin.ok, true, JSON.stringify(onLogin))
  assert.deepEqual((await list(server, token)).map((p) => p.id).sort(), [rootMade, own.result.id, onLogin.result.id].sort(), 'a project admin may list them')

  for (const roles of [['person'], ['super_admin'], ['login', 'person']]) {
    const error = await graphqlError(CREATE, { p: { scope: 'global', roles, mfaRequired: true } }, token)
    assert.equal(error.code, 'ForbiddenError', JSON.stringify(roles))
  }
  // Nor may it turn one of its own into such a policy, nor touch root's.
  assert.equal((await graphqlError(UPDATE, { id: own.result.id, p: { scope: 'global', roles: ['person'] } }, token)).code, 'ForbiddenError')
  assert.equal((await graphqlError(UPDATE, { id: rootMade, p: { scope: 'global', roles: ['login'] } }, token)).code, 'ForbiddenError')
  assert.equal((await graphqlError(DELETE, { id: rootMade }, token)).code, 'ForbiddenError')
  assert.equal((await list()).length, 3)
  assert.deepEqual((await list()).find((p) => p.id === rootMade)!.roles, ['person'])

  // Its own it may change and delete.
  assert.deepEqual(await update(own.result.id, { scope: 'project', project: slug, roles: ['reader'], mfaRequired: true }, token), { ok: true, error: null })
  assert.deepEqual(await remove(onLogin.result.id, token), { ok: true, error: null })
  assert.deepEqual((await list()).map((p) => p.id).sort(), [rootMade, own.result.id].sort())
})

test('MFA required (no grace): MFA_ENROLLMENT_REQUIRED with a secret; signIn with its code enrols (10 backup codes); then OTP is asked and may not be turned off', async () => {
  const person = await signUpPerson(server)
  await policy({ scope: 'global', roles: ['person'], mfaRequired: true })

  const refused = await signIn(person)
  assert.equal(refused.ok, false)
  assert.equal(refused.error.code, 'MFA_ENROLLMENT_REQUIRED')
  assert.equal(refused.result, null)
  const { otpSecret, otpUri } = refused.error.mfaEnrollment
  assert.match(otpSecret, /^[A-Z2-7]{32}$/)
  const uri = new URL(otpUri)
  assert.equal(uri.protocol, 'otpauth:')
  assert.equal(uri.searchParams.get('secret'), otpSecret)
  assert.ok(decodeURIComponent(uri.pathname).endsWith(person.email))
  const required = await authLog(['mfa_enrollment_required'], person.personId)
  assert.equal(required.length, 1)
  assert.equal(required[0]!.success, false)

  // A wrong code of the pending secret does not enrol.
  const right = await codeAt(otpSecret)
  assert.equal(await signInAnswer(person, { otp: right === '000000' ? '111111' : '000000' }), 'INVALID_OTP_TOKEN')
  clock.advance(2_000) // past the back-off of that failure

  const enrolled = await signIn(person, { otp: await codeAt(otpSecret) })
  assert.equal(enrolled.ok, true, JSON.stringify(enrolled))
  const { backupCodes, token, person: signedIn } = enrolled.result
  assert.equal(backupCodes.length, 10)
  assert.equal(new Set(backupCodes).size, 10)
  assert.equal((await payload(server, '{ me { person { otpEnabled } } }', {}, token)).person.otpEnabled, true)
  assert.deepEqual((await authLog(['2fa_enable', 'backup_code_generated'], person.personId)).map((e) => e.type).sort(), ['2fa_enable', 'backup_code_generated'])

  // The only factor of someone a policy requires MFA of stays, even asked by a fresh session.
  const disabled = await payload(server, 'mutation { disableOtp { ok error { code developerMessage } } }', {}, token)
  assert.equal(disabled.ok, false)
  assert.equal(disabled.error.code, 'MFA_REQUIRED')

  clock.advance(31_000)
  assert.equal(await signInAnswer(person), 'OTP_REQUIRED')
  const again = await signIn(person, { otp: await codeAt(otpSecret) })
  assert.equal(again.ok, true, JSON.stringify(again))
  assert.equal(again.result.backupCodes, null, 'backup codes come only with the enrolment')
  assert.equal(again.result.person.otpEnabled, true)
  // The sign-in that enrolled answers the person as they are now, with TOTP on.
  assert.equal(signedIn.otpEnabled, true, 'signIn\'s result.person.otpEnabled after the enrolling sign-in')
})

test('MFA grace: a policy mfaGraceDuration P1D lets a person in for a day from the first sign-in it applied to, then enrolment is required', async () => {
  const person = await signUpPerson(server)
  await policy({ scope: 'global', roles: ['person'], mfaRequired: true, mfaGraceDuration: 'P1D' })
  assert.equal(await signInAnswer(person), 'ok', 'the grace opens')
  clock.advance(20 * 60 * minute)
  assert.equal(await signInAnswer(person), 'ok', 'still within the day')
  clock.advance(28 * 60 * minute)
  const refused = await signIn(person)
  assert.equal(refused.error?.code, 'MFA_ENROLLMENT_REQUIRED', JSON.stringify(refused))
  assert.ok(refused.error.mfaEnrollment.otpSecret)
})

test('MFA grace: login.mfaGraceDuration applies when the policy names none', async () => {
  assert.deepEqual(await configure({ login: { mfaGraceDuration: 'PT1H' } }), { ok: true, error: null })
  assert.equal((await payload(server, '{ configuration { login { mfaGraceDuration } } }')).login.mfaGraceDuration, 'PT1H')
  const person = await signUpPerson(server)
  await policy({ scope: 'global', roles: ['person'], mfaRequired: true })
  assert.equal(await signInAnswer(person), 'ok', 'the configured grace opens')
  clock.advance(50 * minute)
  assert.equal(await signInAnswer(person), 'ok')
  clock.advance(20 * minute)
  assert.equal(await signInAnswer(person), 'MFA_ENROLLMENT_REQUIRED')

  // Back at the default, nobody new gets any grace.
  assert.deepEqual(await configure({ login: { mfaGraceDuration: null } }), { ok: true, error: null })
  assert.equal((await payload(server, '{ configuration { login { mfaGraceDuration } } }')).login.mfaGraceDuration, 'PT0S')
  assert.equal(await signInAnswer(await signUpPerson(server)), 'MFA_ENROLLMENT_REQUIRED')
})

test('tokenExpiration PT1H: a 600-minute sign-in gets an hour, and use never prolongs it past that hour', async () => {
  const person = await signUpPerson(server)
  const id = await policy({ scope: 'global', roles: ['person'], tokenExpiration: 'PT1H' })
  const signedInAt = clock.now().getTime()
  const signedIn = await signIn(person, { expiration: 600 })
  assert.equal(signedIn.ok, true, JSON.stringify(signedIn))
  const { token } = signedIn.result
  const session = await currentSession(token)
  assert.ok(new Date(session.expiresAt).getTime() <= signedInAt + 60 * minute, session.expiresAt)
  assert.ok(new Date(session.expiresAt).getTime() > signedInAt + 59 * minute, session.expiresAt)

  // Used every 20 minutes, it lives to its hour and no longer.
  for (const step of [20, 20, 19]) {
    clock.advance(step * minute)
    assert.equal(await status(token), 200)
    assert.ok(new Date((await currentSession(token)).expiresAt).getTime() <= signedInAt + 60 * minute)
  }
  clock.advance(2 * minute)
  assert.equal(await status(token), 401)

  const applied = await authLog(['session_policy_applied'], person.personId)
  assert.equal(applied.length, 1)
  assert.equal(applied[0]!.metadata.sessionId, session.id)
  assert.deepEqual(applied[0]!.eventData, { tokenExpiration: 3600, idleTimeout: null, rememberMeAllowed: null, mfaRequired: false })

  // Without the policy the same sign-in is the 600 minutes asked for.
  assert.equal((await remove(id)).ok, true)
  const free = (await signIn(person, { expiration: 600 })).result.token
  assert.equal(new Date((await currentSession(free)).expiresAt).getTime(), clock.now().getTime() + 600 * minute)
})

test('idleTimeout PT15M: a session used within it keeps working; unused for longer it is refused (401), and logged', async () => {
  const person = await signUpPerson(server)
  await policy({ scope: 'global', roles: ['person'], idleTimeout: 'PT15M' })
  const token = (await signIn(person)).result.token as string
  const sessionId = (await currentSession(token)).id
  clock.advance(10 * minute)
  assert.equal(await status(token), 200)
  // Last use is written at most once a minute, so the check allows one more: never early.
  clock.advance(16 * minute)
  assert.equal(await status(token), 200, 'unused 16 minutes: within the timeout and its minute of slack')
  clock.advance(20 * minute)
  assert.equal(await status(token), 401)
  assert.equal(await status(token), 401, 'it stays ended')

  const ended = await authLog(['session_expired_idle'], person.personId)
  assert.equal(ended.length, 1)
  assert.equal(ended[0]!.success, false)
  assert.equal(ended[0]!.metadata.sessionId, sessionId)
  assert.equal(ended[0]!.eventData.idleTimeout, 900)
  const fresh = (await signIn(person)).result.token as string
  const listed = (await payload(server, '{ me { sessions { id } } }', {}, fresh)).sessions as { id: string }[]
  assert.equal(listed.some((s) => s.id === sessionId), false, 'the ended session is no longer listed')
})

test('rememberMeAllowed false: signIn(expiration) may not go past the default 30 minutes, but may stay below it', async () => {
  const person = await signUpPerson(server)
  const remembered = (await signIn(person, { expiration: 100_000 })).result.token as string
  assert.equal(new Date((await currentSession(remembered)).expiresAt).getTime(), clock.now().getTime() + 100_000 * minute, 'without the policy the length asked for')

  await policy({ scope: 'global', roles: ['person'], rememberMeAllowed: false })
  const signedInAt = clock.now().getTime()
  const token = (await signIn(person, { expiration: 100_000 })).result.token as string
  assert.equal(new Date((await currentSession(token)).expiresAt).getTime(), signedInAt + 30 * minute)
  const applied = await authLog(['session_policy_applied'], person.personId)
  assert.equal(applied[0]!.eventData.rememberMeAllowed, false)
  const shortAt = clock.now().getTime()
  const short = (await signIn(person, { expiration: 5 })).result.token as string
  assert.equal(new Date((await currentSession(short)).expiresAt).getTime(), shortAt + 5 * minute)
})

test('project scope: a policy on a project role reaches members with that role in that project, nobody else', async () => {
  const slug = await newProject(['editor', 'reader'])
  const otherSlug = await newProject(['editor'])
  const editor = await signUpPerson(server)
  await addMember(slug, editor.identityId, 'editor')
  const reader = await signUpPerson(server)
  await addMember(slug, reader.identityId, 'reader')
  const editorElsewhere = await signUpPerson(server)
  await addMember(otherSlug, editorElsewhere.identityId, 'editor')
  const outsider = await signUpPerson(server)

  await policy({ scope: 'project', project: slug, roles: ['editor'], mfaRequired: true })
  assert.equal(await signInAnswer(editor), 'MFA_ENROLLMENT_REQUIRED')
  assert.equal(await signInAnswer(reader), 'ok')
  assert.equal(await signInAnswer(editorElsewhere), 'ok')
  assert.equal(await signInAnswer(outsider), 'ok')
})

const needsPostgres = { skip: backend !== 'postgres' && 'needs PostgreSQL: PGlite is one process\'s database' }

test('two nodes: a policy created on one node applies to the next sign-in on the other', needsPostgres, async () => {
  // Two servers, each with its own pool, LISTEN connection and caches, on one database.
  const url = await createTestDatabaseUrl()
  const env = { CONTEMBER_ROOT_TOKEN: generateToken(), CONTEMBER_LOGIN_TOKEN: generateToken() }
  const a = await startServer({ env, db: createPostgresDb(url) })
  const b = await startServer({ env, db: createPostgresDb(url) })
  const person = await signUpPerson(a)

  // B reads the policies (none) and keeps them.
  assert.equal((await signIn(person, {}, b)).ok, true)
  await policy({ scope: 'global', roles: ['person'], mfaRequired: true }, a)

  const at = performance.now()
  let code = 'ok'
  while (code !== 'MFA_ENROLLMENT_REQUIRED' && performance.now() - at < 1000) {
    const r = await signIn(person, {}, b)
    code = r.ok ? 'ok' : r.error.code
    if (code === 'ok') await new Promise((resolve) => setTimeout(resolve, 10))
  }
  assert.equal(code, 'MFA_ENROLLMENT_REQUIRED', `node B still signed in without MFA ${(performance.now() - at).toFixed(0)} ms after the policy was made on A`)
  await a.close()
  await b.close()
})
