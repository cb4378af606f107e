import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { randomEmail } from '../helpers/fixtures.js'
import { payload, signUpPerson, type SignedUpPerson } from '../helpers/persons.js'
import { startServer, type TestServer } from '../helpers/server.js'
import { startSmtpSink } from '../helpers/smtp.js'

// trustForwardedClientInfo: a backend's key (createGlobalApiKey or createApiKey with the option)
// is believed about its client (X-Contember-Client-IP, X-Contember-Client-User-Agent): sessions,
// the auth log and per-address limits record the forwarded client, with the backend itself kept
// as metadata.forwarderIp/forwarderUserAgent. A session signed in through such a key with
// options.trustForwardedClientInfo carries the trust on; any other key (the login token, root,
// an ordinary session) ignores the headers. An address that does not parse is not believed. The
// country header (GEO_COUNTRY_HEADER) counts only from a trusted key that forwarded its client,
// or from a TRUST_PROXY peer.

const smtp = await startSmtpSink()
const server = await startServer({ env: { ...smtp.env, MAIL_POLL_INTERVAL_MS: '100', GEO_COUNTRY_HEADER: 'CF-IPCountry' } })

/** The user agent the test's own HTTP client sends: what the server sees as the connection's. */
const BACKEND_AGENT = 'Backend/1.0'

type Session = { id: string; isCurrent: boolean; trustForwardedClientInfo: boolean; createdIp: string | null; createdUserAgent: string | null; lastIp: string | null; lastUserAgent: string | null }
type Entry = { type: string; success: boolean; personId: string | null; personInputIdentifier: string | null; ipAddress: string | null; userAgent: string | null; metadata: any; eventData: any }

const SIGN_IN = `mutation($e: String!, $p: String!, $options: SignInOptions) {
  signIn(email: $e, password: $p, options: $options) { ok error { code developerMessage } result { token } } }`
const SESSIONS = '{ me { sessions { id isCurrent trustForwardedClientInfo createdIp createdUserAgent lastIp lastUserAgent } } }'
const LOG = `query($filter: AuthLogFilter) { authLog(filter: $filter, limit: 50) {
  entries { type success personId personInputIdentifier ipAddress userAgent metadata eventData } } }`
const CREATE_GLOBAL = `mutation($description: String!, $roles: [String!], $options: CreateApiKeyOptions) {
  createGlobalApiKey(description: $description, roles: $roles, options: $options) { ok result { apiKey { id token identity { id } } } } }`

/**
 * POST /tenant with `token`, the user agent BACKEND_AGENT and any headers given (forwarded
 * client info, a country); answers the one field of `data`, failing the test on a GraphQL error.
 */
async function call(s: TestServer, token: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const res = await fetch(`${s.url}/tenant`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'user-agent': BACKEND_AGENT, ...headers },
    body: JSON.stringify({ query, variables }),
  })
  const body = await res.json()
  assert.equal(res.status, 200, JSON.stringify(body))
  assert.equal(body.errors, undefined, JSON.stringify(body.errors))
  return Object.values(body.data as Record<string, any>)[0]
}

const forwarded = (ip: string, userAgent: string) => ({ 'x-contember-client-ip': ip, 'x-contember-client-user-agent': userAgent })

/** A global key made by root; `trusted` sets options.trustForwardedClientInfo. */
async function globalKey(s: TestServer, roles: string[], trusted: boolean) {
  const r = await payload(s, CREATE_GLOBAL, { description: `backend ${randomBytes(3).toString('hex')}`, roles, options: trusted ? { trustForwardedClientInfo: true } : null })
  assert.equal(r.ok, true, JSON.stringify(r))
  return r.result.apiKey as { id: string; token: string; identity: { id: string } }
}

/** signIn through `token`; fails the test unless it succeeds. */
async function signIn(s: TestServer, token: string, person: SignedUpPerson, headers: Record<string, string> = {}, options: unknown = null): Promise<string> {
  const r = await call(s, token, SIGN_IN, { e: person.email, p: person.password, options }, headers)
  assert.equal(r.ok, true, JSON.stringify(r))
  return r.result.token
}

/** The person's sessions as seen through `session` (this request is the session's first use, so it is recorded as lastIp/lastUserAgent). */
async function sessionsOf(s: TestServer, session: string, headers: Record<string, string> = {}): Promise<Session[]> {
  return (await call(s, session, SESSIONS, {}, headers)).sessions
}

const log = async (s: TestServer, filter: Record<string, unknown>): Promise<Entry[]> => (await payload(s, LOG, { filter })).entries

/** The one login entry of a person (each test signs its own person in once). */
async function loginEntry(s: TestServer, person: SignedUpPerson): Promise<Entry> {
  const entries = await log(s, { types: ['login'], personInputIdentifier: person.email })
  assert.equal(entries.length, 1, JSON.stringify(entries))
  return entries[0]!
}

const backend = await globalKey(server, ['login'], true)

test('a backend key signing in with options.trustForwardedClientInfo: the session is made at and trusted about the forwarded client; the auth log names the backend beside it', async () => {
  const person = await signUpPerson(server)
  const session = await signIn(server, backend.token, person, forwarded('203.0.113.7', 'Browser/9'), { trustForwardedClientInfo: true })

  const [seen] = await sessionsOf(server, session, forwarded('198.51.100.20', 'Browser/10'))
  assert.deepEqual(seen, {
    id: seen!.id, isCurrent: true, trustForwardedClientInfo: true,
    createdIp: '203.0.113.7', createdUserAgent: 'Browser/9',
    lastIp: '198.51.100.20', lastUserAgent: 'Browser/10',
  })

  const entry = await loginEntry(server, person)
  assert.equal(entry.success, true)
  assert.equal(entry.ipAddress, '203.0.113.7')
  assert.equal(entry.userAgent, 'Browser/9')
  assert.equal(entry.metadata.forwarderIp, '127.0.0.1')
  assert.equal(entry.metadata.forwarderUserAgent, BACKEND_AGENT)
  assert.equal(entry.metadata.sessionId, seen!.id)
})

test('the login token: forwarded headers and the option are ignored; the session is the connection\'s and stays so', async () => {
  const person = await signUpPerson(server)
  const session = await signIn(server, server.loginToken, person, forwarded('203.0.113.7', 'Browser/9'), { trustForwardedClientInfo: true })

  const [seen] = await sessionsOf(server, session, forwarded('198.51.100.20', 'Browser/10'))
  assert.deepEqual(seen, {
    id: seen!.id, isCurrent: true, trustForwardedClientInfo: false,
    createdIp: '127.0.0.1', createdUserAgent: BACKEND_AGENT,
    lastIp: '127.0.0.1', lastUserAgent: BACKEND_AGENT,
  })

  const entry = await loginEntry(server, person)
  assert.deepEqual([entry.ipAddress, entry.userAgent], ['127.0.0.1', BACKEND_AGENT])
  assert.equal('forwarderIp' in entry.metadata, false, JSON.stringify(entry.metadata))
  assert.equal('forwarderUserAgent' in entry.metadata, false, JSON.stringify(entry.metadata))
})

test('the root token ignores forwarded headers too', async () => {
  const person = await signUpPerson(server)
  const made = await call(server, server.rootToken, 'mutation($id: String!, $options: SignInOptions) { createSessionToken(personId: $id, options: $options) { ok result { token } } }',
    { id: person.personId, options: { trustForwardedClientInfo: true } }, forwarded('203.0.113.7', 'Browser/9'))
  assert.equal(made.ok, true)
  const [seen] = await sessionsOf(server, made.result.token)
  assert.deepEqual([seen!.trustForwardedClientInfo, seen!.createdIp, seen!.createdUserAgent], [false, '127.0.0.1', BACKEND_AGENT])
  const [entry] = await log(server, { types: ['create_session_token'], targetPersonId: person.personId })
  assert.deepEqual([entry!.ipAddress, entry!.userAgent, entry!.metadata.forwarderIp], ['127.0.0.1', BACKEND_AGENT, undefined])
})

test('a backend key signing in without the option: the sign-in is recorded at the forwarded client, but the session is not trusted afterwards', async () => {
  const person = await signUpPerson(server)
  const session = await signIn(server, backend.token, person, forwarded('203.0.113.8', 'Browser/9'))

  const [seen] = await sessionsOf(server, session, forwarded('198.51.100.21', 'Browser/10'))
  assert.deepEqual(seen, {
    id: seen!.id, isCurrent: true, trustForwardedClientInfo: false,
    createdIp: '203.0.113.8', createdUserAgent: 'Browser/9',
    lastIp: '127.0.0.1', lastUserAgent: BACKEND_AGENT,
  })
  const entry = await loginEntry(server, person)
  assert.deepEqual([entry.ipAddress, entry.metadata.forwarderIp], ['203.0.113.8', '127.0.0.1'])

  // Asking with false is the same as not asking.
  const other = await signUpPerson(server)
  const untrusted = await signIn(server, backend.token, other, forwarded('203.0.113.9', 'Browser/9'), { trustForwardedClientInfo: false })
  assert.equal((await sessionsOf(server, untrusted))[0]!.trustForwardedClientInfo, false)
})

test('createSessionToken through a backend key passes the trust on as signIn does', async () => {
  const admin = await globalKey(server, ['project_admin'], true)
  const person = await signUpPerson(server)
  const made = await call(server, admin.token, 'mutation($id: String!, $options: SignInOptions) { createSessionToken(personId: $id, options: $options) { ok result { token } } }',
    { id: person.personId, options: { trustForwardedClientInfo: true } }, forwarded('203.0.113.10', 'Browser/9'))
  assert.equal(made.ok, true)
  const [seen] = await sessionsOf(server, made.result.token, forwarded('198.51.100.22', 'Browser/10'))
  assert.deepEqual([seen!.trustForwardedClientInfo, seen!.createdIp, seen!.createdUserAgent, seen!.lastIp, seen!.lastUserAgent],
    [true, '203.0.113.10', 'Browser/9', '198.51.100.22', 'Browser/10'])
})

test('signInPasswordless takes the option as signIn does: honoured through a backend key, ignored through the login token', async () => {
  assert.equal((await payload(server, 'mutation { configure(config: { passwordless: { enabled: always, url: "https://app.example.com/pl", expiration: "PT10M" } }) { ok } }')).ok, true)
  /** A passwordless request of the person (started with the login token) and the token mailed for it. */
  const requestFor = async (email: string) => {
    const r = await call(server, server.loginToken, 'mutation($e: String!) { initSignInPasswordless(email: $e) { ok error { code } result { requestId } } }', { e: email })
    assert.equal(r.ok, true, JSON.stringify(r))
    const mail = await smtp.waitFor((m) => m.to.includes(email))
    const token = /token(?:=|&#x3D;)([0-9a-f]{40})/.exec(mail.html)?.[1]
    assert.ok(token, mail.html)
    return { requestId: r.result.requestId as string, token }
  }
  const FINISH = `mutation($requestId: String!, $token: String!, $options: SignInOptions) {
    signInPasswordless(requestId: $requestId, validationType: token, token: $token, options: $options) { ok error { code } result { token } } }`
  const options = { trustForwardedClientInfo: true }

  const viaBackend = await signUpPerson(server)
  const one = await requestFor(viaBackend.email)
  const trusted = await call(server, backend.token, FINISH, { ...one, options }, forwarded('203.0.113.14', 'Browser/9'))
  assert.equal(trusted.ok, true, JSON.stringify(trusted))
  const [seen] = await sessionsOf(server, trusted.result.token, forwarded('198.51.100.23', 'Browser/10'))
  assert.deepEqual([seen!.trustForwardedClientInfo, seen!.createdIp, seen!.createdUserAgent, seen!.lastIp], [true, '203.0.113.14', 'Browser/9', '198.51.100.23'])
  const [entry] = await log(server, { types: ['passwordless_login'], personId: viaBackend.personId })
  assert.deepEqual([entry!.ipAddress, entry!.userAgent, entry!.metadata.forwarderIp], ['203.0.113.14', 'Browser/9', '127.0.0.1'])

  const viaLogin = await signUpPerson(server)
  const two = await requestFor(viaLogin.email)
  const plain = await call(server, server.loginToken, FINISH, { ...two, options }, forwarded('203.0.113.14', 'Browser/9'))
  assert.equal(plain.ok, true, JSON.stringify(plain))
  const [other] = await sessionsOf(server, plain.result.token, forwarded('198.51.100.23', 'Browser/10'))
  assert.deepEqual([other!.trustForwardedClientInfo, other!.createdIp, other!.lastIp], [false, '127.0.0.1', '127.0.0.1'])
  assert.equal((await payload(server, 'mutation { configure(config: { passwordless: { enabled: never } }) { ok } }')).ok, true)
})

test('an X-Contember-Client-IP that is not an address is not believed: the connection\'s address is recorded', async () => {
  for (const bad of ['not-an-ip', '1.2.3.4; drop', '203.0.113.7, 198.51.100.1', '']) {
    const person = await signUpPerson(server)
    const session = await signIn(server, backend.token, person, forwarded(bad, 'Browser/9'), { trustForwardedClientInfo: true })
    const entry = await loginEntry(server, person)
    assert.equal(entry.ipAddress, '127.0.0.1', bad)
    // The forwarded user agent is still the client's.
    assert.equal(entry.userAgent, 'Browser/9', bad)
    const [seen] = await sessionsOf(server, session, forwarded(bad, 'Browser/10'))
    assert.deepEqual([seen!.createdIp, seen!.lastIp, seen!.lastUserAgent], ['127.0.0.1', '127.0.0.1', 'Browser/10'], bad)
  }
  // A bad address and no forwarded user agent: nothing was forwarded, the request is the connection's.
  const person = await signUpPerson(server)
  await signIn(server, backend.token, person, { 'x-contember-client-ip': 'not-an-ip' })
  const entry = await loginEntry(server, person)
  assert.deepEqual([entry.ipAddress, entry.userAgent], ['127.0.0.1', BACKEND_AGENT])
  // An IPv6 address is an address.
  const six = await signUpPerson(server)
  await signIn(server, backend.token, six, { 'x-contember-client-ip': '2001:db8::7' })
  assert.deepEqual([(await loginEntry(server, six)).ipAddress, (await loginEntry(server, six)).userAgent], ['2001:db8::7', BACKEND_AGENT])
})

test('loginPerIp counts the forwarded client of a backend key, and only the connection for the login token', async () => {
  // A server of its own: the limit must not reach the other tests.
  const limited = await startServer()
  const trusted = await globalKey(limited, ['login'], true)
  assert.equal((await payload(limited, 'mutation { configure(config: { rateLimits: { loginPerIp: { limit: 2, window: "PT1H" } } }) { ok } }')).ok, true)
  const attempt = async (token: string, ip: string) => {
    const r = await call(limited, token, 'mutation($e: String!) { signIn(email: $e, password: "Whatever-Pass-1") { ok error { code } } }',
      { e: randomEmail() }, forwarded(ip, 'Browser/9'))
    return r.error?.code as string | undefined
  }
  const refused = 'RATE_LIMIT_EXCEEDED'

  assert.notEqual(await attempt(trusted.token, '203.0.113.1'), refused)
  assert.notEqual(await attempt(trusted.token, '203.0.113.1'), refused)
  assert.notEqual(await attempt(trusted.token, '203.0.113.2'), refused)
  assert.equal(await attempt(trusted.token, '203.0.113.1'), refused, 'the third from one forwarded address')
  assert.notEqual(await attempt(trusted.token, '203.0.113.2'), refused, 'another forwarded address has its own count')

  // None of that counted against the connection (127.0.0.1): the login token has its two, then no header helps.
  assert.notEqual(await attempt(limited.loginToken, '198.51.100.1'), refused)
  assert.notEqual(await attempt(limited.loginToken, '198.51.100.2'), refused)
  assert.equal(await attempt(limited.loginToken, '198.51.100.3'), refused)
  assert.equal(await attempt(limited.loginToken, '203.0.113.3'), refused)
  // The backend's other clients are not affected by the connection's count.
  assert.notEqual(await attempt(trusted.token, '203.0.113.4'), refused)
})

test('GEO_COUNTRY_HEADER: recorded for a backend key that forwarded its client; ignored from the login token and from a backend key forwarding nothing', async () => {
  const viaBackend = await signUpPerson(server)
  await signIn(server, backend.token, viaBackend, { ...forwarded('203.0.113.11', 'Browser/9'), 'CF-IPCountry': 'CZ' }, { trustForwardedClientInfo: true })
  assert.equal((await loginEntry(server, viaBackend)).metadata.geoCountry, 'CZ')

  const viaLogin = await signUpPerson(server)
  await signIn(server, server.loginToken, viaLogin, { ...forwarded('203.0.113.11', 'Browser/9'), 'CF-IPCountry': 'CZ' })
  assert.equal('geoCountry' in (await loginEntry(server, viaLogin)).metadata, false)

  const nothingForwarded = await signUpPerson(server)
  await signIn(server, backend.token, nothingForwarded, { 'CF-IPCountry': 'CZ' })
  assert.equal('geoCountry' in (await loginEntry(server, nothingForwarded)).metadata, false)
})

test('GEO_COUNTRY_HEADER from a TRUST_PROXY peer is recorded for any key', async () => {
  const proxied = await startServer({ env: { GEO_COUNTRY_HEADER: 'CF-IPCountry', TRUST_PROXY: '127.0.0.1' } })
  const person = await signUpPerson(proxied)
  await signIn(proxied, proxied.loginToken, person, { 'CF-IPCountry': 'SK' })
  assert.equal((await loginEntry(proxied, person)).metadata.geoCountry, 'SK')
})

test('createApiKey takes options.trustForwardedClientInfo: such a project key is believed about its client; one without is not', async () => {
  const slug = `fc_${randomBytes(4).toString('hex')}`
  assert.equal((await payload(server, 'mutation($slug: String!) { createProject(projectSlug: $slug, config: { acl: { roles: { editor: {} } } }, options: { noDeployToken: true }) { ok } }', { slug })).ok, true)
  const CREATE_KEY = `mutation($slug: String!, $options: CreateApiKeyOptions) {
    createApiKey(projectSlug: $slug, memberships: [{ role: "editor", variables: [] }], description: "project backend", options: $options) {
      ok error { code developerMessage } result { apiKey { id token identity { id } } } } }`
  const keyOf = async (options: unknown) => {
    const r = await payload(server, CREATE_KEY, { slug, options })
    assert.equal(r.ok, true, JSON.stringify(r))
    return r.result.apiKey as { id: string; token: string; identity: { id: string } }
  }
  const trusted = await keyOf({ trustForwardedClientInfo: true })
  const plain = await keyOf(null)

  const created = (await log(server, { types: ['api_key_create'] })).filter((e) => e.eventData.projectSlug === slug)
  assert.deepEqual(created.map((e) => [e.eventData.apiKeyId, e.eventData.trustForwardedClientInfo]), [[plain.id, false], [trusted.id, true]])

  // The key works as a member of the project.
  const me = await call(server, trusted.token, '{ me { id projects { project { slug } } } }')
  assert.deepEqual(me, { id: trusted.identity.id, projects: [{ project: { slug } }] })

  // A project key writes nothing to the auth log by itself; given the login role it may sign in, which does.
  for (const key of [trusted, plain]) {
    assert.equal((await payload(server, 'mutation($id: String!) { addGlobalIdentityRoles(identityId: $id, roles: ["login"]) { ok } }', { id: key.identity.id })).ok, true)
  }
  const viaTrusted = await signUpPerson(server)
  const session = await signIn(server, trusted.token, viaTrusted, forwarded('203.0.113.12', 'Browser/9'), { trustForwardedClientInfo: true })
  const entry = await loginEntry(server, viaTrusted)
  assert.deepEqual([entry.ipAddress, entry.userAgent, entry.metadata.forwarderIp, entry.metadata.forwarderUserAgent], ['203.0.113.12', 'Browser/9', '127.0.0.1', BACKEND_AGENT])
  assert.equal((await sessionsOf(server, session))[0]!.trustForwardedClientInfo, true)

  const viaPlain = await signUpPerson(server)
  const plainSession = await signIn(server, plain.token, viaPlain, forwarded('203.0.113.13', 'Browser/9'), { trustForwardedClientInfo: true })
  const plainEntry = await loginEntry(server, viaPlain)
  assert.deepEqual([plainEntry.ipAddress, plainEntry.userAgent, plainEntry.metadata.forwarderIp], ['127.0.0.1', BACKEND_AGENT, undefined])
  assert.equal((await sessionsOf(server, plainSession))[0]!.trustForwardedClientInfo, false)
})
