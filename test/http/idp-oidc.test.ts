import assert from 'node:assert/strict'
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { payload, personWithSession, signInAnswer, signInPerson, signUpPerson } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'
import { startOidcProvider, type OidcAccount, type OidcHarness } from '../helpers/oidc.js'

// Sign-in through an OpenID Connect provider: a real one (oidc-provider) on loopback, the whole
// authorization code + PKCE flow over HTTP, as a browser and a client app would drive it. Proves
// every error code of addIDP, updateIDP, disableIDP, enableIDP, initSignInIDP, signInIDP and
// disconnectMyIdentityProvider by a real call; who may call them; that the client secret is
// sealed and never shown or logged; that the ID token is refused on a wrong state or nonce, when
// expired, or signed by a key the provider does not publish, and that a key rotation at the
// provider needs no restart; matching by subject and (verified) email, autoSignUp, exclusive
// providers (no password sign-in while enabled), claim-to-role mapping, Person.identityProviders
// and the auth log entries of all of it.

const idp = await startOidcProvider({ accounts: [
  { sub: 'alice-sub', email: 'alice@idp.example', email_verified: true, name: 'Alice Idp' },
] })
const server = await startServer()

const ADD = `mutation($slug: String!, $type: String!, $config: Json!, $options: IDPOptions) {
  addIDP(identityProvider: $slug, type: $type, configuration: $config, options: $options) { ok error { code developerMessage } } }`
const UPDATE = `mutation($slug: String!, $type: String, $config: Json, $options: IDPOptions, $merge: Boolean) {
  updateIDP(identityProvider: $slug, type: $type, configuration: $config, options: $options, mergeConfiguration: $merge) { ok error { code developerMessage } } }`
const DISABLE = 'mutation($slug: String!) { disableIDP(identityProvider: $slug) { ok error { code developerMessage } } }'
const ENABLE = 'mutation($slug: String!) { enableIDP(identityProvider: $slug) { ok error { code developerMessage } } }'
const LIST = `{ identityProviders { slug type configuration disabledAt
  options { autoSignUp exclusive initReturnsConfig requireVerifiedEmail assumeEmailVerified } } }`
const INIT = `mutation($slug: String!, $data: Json) { initSignInIDP(identityProvider: $slug, data: $data) { ok error { code developerMessage } result { authUrl sessionData idpConfiguration } } }`
const INIT_DEPRECATED = `mutation($slug: String!, $redirectUrl: String) { initSignInIDP(identityProvider: $slug, redirectUrl: $redirectUrl) {
  ok error { code developerMessage } result { authUrl sessionData } } }`
const SIGN_IN = `mutation($slug: String!, $data: Json) { signInIDP(identityProvider: $slug, data: $data) {
  ok error { code developerMessage } result { token person { id email name identityProviders { id externalIdentifier identityProvider { slug type } } } idpResponse } } }`
const SIGN_IN_DEPRECATED = `mutation($slug: String!, $url: String!, $redirectUrl: String, $sessionData: Json) {
  signInIDP(identityProvider: $slug, idpResponse: { url: $url }, redirectUrl: $redirectUrl, sessionData: $sessionData) {
    ok error { code developerMessage } result { token person { id email } } } }`
const DISCONNECT = 'mutation($id: String!) { disconnectMyIdentityProvider(id: $id) { ok error { code developerMessage } } }'
const CONNECTIONS = 'id externalIdentifier identityProvider { slug type disabledAt }'
const MY_CONNECTIONS = `{ me { person { identityProviders { ${CONNECTIONS} } } } }`
const PERSON_CONNECTIONS = `query($id: String!) { personById(id: $id) { id identityProviders { ${CONNECTIONS} } } }`
const ME = '{ me { id roles } }'
const LOG = `query($filter: AuthLogFilter, $limit: Int, $offset: Int) { authLog(filter: $filter, limit: $limit, offset: $offset) {
  hasMore entries { type success personId targetPersonId personInputIdentifier errorCode identityProviderId metadata eventData } } }`

type Entry = { type: string; success: boolean; personId: string | null; targetPersonId: string | null; personInputIdentifier: string | null
  errorCode: string | null; identityProviderId: string | null; metadata: any; eventData: any }
type Answer = { ok: boolean; error: { code: string; developerMessage: string } | null; result: any }

const config = (harness: OidcHarness = idp) => ({ url: harness.issuer, clientId: harness.clientId, clientSecret: harness.clientSecret, claims: 'openid email profile' })
const codeOf = (answer: Answer) => (answer.ok ? 'ok' : answer.error!.code)

let accounts = 0
/** A new account at the provider: a subject and an email nobody has yet, verified unless `claims` say otherwise. */
function newAccount(harness: OidcHarness = idp, claims: Partial<OidcAccount> = {}): OidcAccount {
  const n = `${++accounts}-${randomBytes(3).toString('hex')}`
  const account = { sub: `sub-${n}`, email: `person-${n}@idp.example`, email_verified: true, name: `Person ${n}`, ...claims }
  harness.accounts.set(account.sub, account)
  return account
}

/** addIDP as root of an oidc provider at `harness`; fails the test unless it succeeds. */
async function addProvider(slug: string, options: Record<string, boolean> = {}, configuration: Record<string, unknown> = {}, harness: OidcHarness = idp) {
  const added = await payload(server, ADD, { slug, type: 'oidc', config: { ...config(harness), ...configuration }, options })
  assert.deepEqual(added, { ok: true, error: null }, JSON.stringify(added))
}

/** initSignInIDP with the login token; fails the test unless it succeeds. */
async function start(slug: string, harness: OidcHarness = idp) {
  const init = await payload(server, INIT, { slug, data: { redirectUrl: harness.redirectUri } }, server.loginToken)
  assert.equal(init.ok, true, JSON.stringify(init))
  return init.result as { authUrl: string; sessionData: { state: string; nonce: string; codeVerifier: string }; idpConfiguration: unknown }
}

const finish = (slug: string, data: unknown): Promise<Answer> => payload(server, SIGN_IN, { slug, data }, server.loginToken)

/** The whole flow as `sub`: initSignInIDP, the provider, signInIDP (with the sessionData `tamper` gives back, if any). */
async function signInThrough(slug: string, sub: string, { harness = idp, tamper }: { harness?: OidcHarness; tamper?: (s: Record<string, string>) => Record<string, string> } = {}) {
  const init = await start(slug, harness)
  const url = await harness.authorize(init.authUrl, sub)
  return finish(slug, { url, sessionData: tamper ? tamper({ ...init.sessionData }) : init.sessionData })
}

/** signInThrough that must succeed: its result (token, person, idpResponse). */
async function signedIn(slug: string, sub: string, harness: OidcHarness = idp) {
  const answer = await signInThrough(slug, sub, { harness })
  assert.equal(answer.ok, true, JSON.stringify(answer))
  return answer.result as { token: string; person: { id: string; email: string | null; name: string | null; identityProviders: { id: string; externalIdentifier: string }[] }; idpResponse: any }
}

/** A GraphQL call refused with a ForbiddenError. */
async function assertForbidden(query: string, variables: Record<string, unknown>, token: string) {
  const { body } = await server.gql(query, { token, variables })
  assert.equal(body.errors?.[0]?.extensions?.code, 'ForbiddenError', JSON.stringify(body))
}

const providerId = async (slug: string) =>
  (await server.app.deps.db.query<{ id: string }>('SELECT id FROM identity_provider WHERE slug = $1', [slug])).rows[0]!.id

const log = async (filter: Record<string, unknown>): Promise<Entry[]> => (await payload(server, LOG, { filter, limit: 500 })).entries

/** Every entry of the auth log, as text. */
async function wholeLog(): Promise<string> {
  const pages: unknown[] = []
  for (let offset = 0; ; offset += 500) {
    const page = await payload(server, LOG, { limit: 500, offset })
    pages.push(...page.entries)
    if (!page.hasMore) return JSON.stringify(pages)
  }
}

async function newProject(acl: Record<string, unknown> = { roles: { editor: {} } }) {
  const slug = `idp-${randomBytes(4).toString('hex')}`
  const created = await payload(server, 'mutation($slug: String!, $config: Json) { createProject(projectSlug: $slug, config: $config, options: { noDeployToken: true }) { ok } }',
    { slug, config: { acl } })
  assert.equal(created.ok, true)
  return slug
}

test('oidc: addIDP, then initSignInIDP -> the provider -> signInIDP signs a new person up (autoSignUp) and in', async () => {
  assert.deepEqual(await payload(server, ADD, { slug: 'test-oidc', type: 'oidc', config: config(), options: { autoSignUp: true } }), { ok: true, error: null })
  const init = await payload(server, INIT, { slug: 'test-oidc', data: { redirectUrl: idp.redirectUri } }, server.loginToken)
  assert.equal(init.ok, true, JSON.stringify(init))
  assert.match(init.result.authUrl, /code_challenge_method=S256/)
  const callback = await idp.authorize(init.result.authUrl, 'alice-sub')
  const signedIn = await payload(server, SIGN_IN, { slug: 'test-oidc', data: { url: callback, sessionData: init.result.sessionData } }, server.loginToken)
  assert.equal(signedIn.ok, true, JSON.stringify(signedIn))
  assert.equal(signedIn.result.person.email, 'alice@idp.example')
  assert.equal(signedIn.result.person.name, 'Alice Idp')
  assert.equal((await server.gql('{ me { id } }', { token: signedIn.result.token })).status, 200)
  const mine = await payload(server, '{ me { person { identityProviders { externalIdentifier identityProvider { slug } } } } }', {}, signedIn.result.token)
  assert.deepEqual(mine.person.identityProviders, [{ externalIdentifier: 'alice-sub', identityProvider: { slug: 'test-oidc' } }])
  // The same code again: refused.
  const replay = await payload(server, SIGN_IN, { slug: 'test-oidc', data: { url: callback, sessionData: init.result.sessionData } }, server.loginToken)
  assert.equal(replay.ok, false)
  assert.equal(replay.error.code, 'INVALID_IDP_RESPONSE', JSON.stringify(replay))
  const listed = await payload(server, '{ identityProviders { slug type configuration options { autoSignUp } } }')
  assert.equal(listed.find((p: { slug: string }) => p.slug === 'test-oidc').configuration.clientSecret, undefined)
})

test('addIDP: ALREADY_EXISTS, UNKNOWN_TYPE, and INVALID_CONFIGURATION for a missing clientId, http off loopback, an unknown key, a mapping to super_admin', async () => {
  await addProvider('add-codes')
  const add = (slug: string, type: string, configuration: unknown): Promise<Answer> => payload(server, ADD, { slug, type, config: configuration })
  const again = await add('add-codes', 'oidc', config())
  assert.equal(codeOf(again), 'ALREADY_EXISTS')
  assert.match(again.error!.developerMessage, /add-codes/)
  assert.equal(codeOf(await add('add-saml', 'saml', config())), 'UNKNOWN_TYPE')

  const invalid = async (configuration: unknown, message: RegExp) => {
    const answer = await add('add-invalid', 'oidc', configuration)
    assert.equal(codeOf(answer), 'INVALID_CONFIGURATION', JSON.stringify(answer))
    assert.match(answer.error!.developerMessage, message)
  }
  const { clientId: _clientId, ...withoutClientId } = config()
  await invalid(withoutClientId, /clientId/)
  await invalid({ ...config(), url: 'http://idp.example.com' }, /url: must be an https URL/)
  await invalid({ ...config(), tenantId: 'common' }, /Unrecognized key.*tenantId/)
  await invalid({ ...config(), claimMapping: { rules: [{ claim: 'groups', contains: 'root', grantRoles: ['super_admin'] }] } }, /super_admin/)
  await invalid('not an object', /Invalid IDP configuration/)
  const slugs = (await payload(server, LIST)).map((p: { slug: string }) => p.slug)
  assert.ok(slugs.includes('add-codes'))
  assert.ok(!slugs.includes('add-invalid') && !slugs.includes('add-saml'), 'nothing refused was stored')

  // https anywhere (the provider is first asked at initSignInIDP), http on loopback only.
  assert.equal(codeOf(await add('add-https', 'oidc', { ...config(), url: 'https://idp.example.com' })), 'ok')
  assert.equal(codeOf(await add('add-localhost', 'oidc', { ...config(), url: 'http://localhost:9' })), 'ok')
})

test('updateIDP: NOT_FOUND, INVALID_CONFIGURATION; mergeConfiguration keeps the other keys and the sealed clientSecret, null removes one; without it the configuration is replaced', async () => {
  await addProvider('update-merge', { autoSignUp: true }, { timeout: 4000 })
  const update = (variables: Record<string, unknown>): Promise<Answer> => payload(server, UPDATE, { slug: 'update-merge', ...variables })
  const stored = async () => (await payload(server, LIST)).find((p: { slug: string }) => p.slug === 'update-merge')
  const { clientSecret: _secret, ...shown } = config()

  const missing = await payload(server, UPDATE, { slug: 'no-such-provider', config: config() })
  assert.equal(codeOf(missing), 'NOT_FOUND')
  assert.match(missing.error.developerMessage, /no-such-provider/)
  assert.equal(codeOf(await payload(server, UPDATE, { slug: 'no-such-provider', options: { autoSignUp: false } })), 'NOT_FOUND')
  const refusals: [Record<string, unknown>, RegExp][] = [
    [{ config: { url: 'http://idp.example.com' }, merge: true }, /url: must be an https URL/],
    [{ config: { scope: 'openid' }, merge: true, type: 'saml' }, /saml/],
    [{ config: { nonsense: true }, merge: true }, /Unrecognized key.*nonsense/],
    // Replaced, not merged: the stored secret is not kept.
    [{ config: shown }, /clientSecret/],
  ]
  for (const [variables, message] of refusals) {
    const answer = await update(variables)
    assert.equal(codeOf(answer), 'INVALID_CONFIGURATION', JSON.stringify(answer))
    assert.match(answer.error!.developerMessage, message)
  }
  assert.deepEqual((await stored()).configuration, { ...shown, timeout: 4000 }, 'a refused update changes nothing')

  // Only `claims` given: the URL, client id, timeout and the sealed secret stay.
  assert.equal(codeOf(await update({ config: { claims: 'openid email' }, merge: true })), 'ok')
  assert.deepEqual((await stored()).configuration, { ...shown, claims: 'openid email', timeout: 4000 })
  const account = newAccount()
  const first = await signedIn('update-merge', account.sub)
  assert.equal(first.idpResponse.email, account.email)
  assert.equal(first.idpResponse.name, undefined, 'the profile scope is no longer asked for')

  // null removes a key; options left out stay (autoSignUp).
  assert.equal(codeOf(await update({ config: { timeout: null }, merge: true })), 'ok')
  const merged = await stored()
  assert.deepEqual(merged.configuration, { ...shown, claims: 'openid email' })
  assert.equal(merged.options.autoSignUp, true)
  assert.equal((await signedIn('update-merge', account.sub)).person.id, first.person.id)

  // Without mergeConfiguration the configuration given is the whole new one.
  assert.equal(codeOf(await update({ config: { url: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, scope: 'openid' } })), 'ok')
  assert.deepEqual((await stored()).configuration, { url: idp.issuer, clientId: idp.clientId, scope: 'openid' })
  const replaced = await signedIn('update-merge', account.sub)
  assert.equal(replaced.person.id, first.person.id)
  assert.equal(replaced.idpResponse.email, undefined)
  // Options alone, configuration left out: it stays.
  assert.equal(codeOf(await update({ options: { autoSignUp: false } })), 'ok')
  assert.deepEqual((await stored()).configuration, { url: idp.issuer, clientId: idp.clientId, scope: 'openid' })
  assert.equal((await stored()).options.autoSignUp, false)
})

test('secrets and the auth log: identityProviders never shows clientSecret, it is stored sealed; idp_create, idp_update, idp_disable, idp_enable are logged without it; disableIDP and enableIDP NOT_FOUND', async () => {
  const secret = `Sec-${randomBytes(16).toString('hex')}`
  const nextSecret = `Sec-${randomBytes(16).toString('hex')}`
  await addProvider('secret-log', {}, { clientSecret: secret })
  const sealed = async () => (await server.app.deps.db.query<{ configuration: unknown; secretsSealed: string | null }>(
    'SELECT configuration, secrets_sealed AS "secretsSealed" FROM identity_provider WHERE slug = $1', ['secret-log'])).rows[0]!
  const row = await sealed()
  assert.ok(row.secretsSealed, 'the secret is stored')
  assert.ok(!row.secretsSealed.includes(secret), 'sealed, not in the clear')
  assert.ok(!row.secretsSealed.includes(Buffer.from(secret).toString('base64')), 'nor merely encoded')
  assert.ok(!JSON.stringify(row.configuration).includes(secret))
  assert.equal(codeOf(await payload(server, UPDATE, { slug: 'secret-log', config: { clientSecret: nextSecret }, merge: true })), 'ok')
  const resealed = await sealed()
  assert.notEqual(resealed.secretsSealed, row.secretsSealed)
  assert.ok(!resealed.secretsSealed!.includes(nextSecret))

  const listed = await payload(server, LIST)
  const text = JSON.stringify(listed)
  for (const value of [secret, nextSecret, idp.clientSecret]) assert.ok(!text.includes(value), 'identityProviders shows no secret')
  assert.ok(listed.every((p: { configuration: Record<string, unknown> }) => !('clientSecret' in p.configuration)))

  for (const mutation of [DISABLE, ENABLE]) {
    const answer = await payload(server, mutation, { slug: 'no-such-provider' })
    assert.equal(codeOf(answer), 'NOT_FOUND')
    assert.match(answer.error.developerMessage, /no-such-provider/)
  }
  assert.equal(codeOf(await payload(server, DISABLE, { slug: 'secret-log' })), 'ok')
  const disabledAt = (await payload(server, LIST)).find((p: { slug: string }) => p.slug === 'secret-log').disabledAt
  assert.ok(disabledAt)
  assert.equal(codeOf(await payload(server, DISABLE, { slug: 'secret-log' })), 'ok', 'disabling twice is no error')
  assert.equal((await payload(server, LIST)).find((p: { slug: string }) => p.slug === 'secret-log').disabledAt, disabledAt, 'and keeps the first time')
  assert.equal(codeOf(await payload(server, ENABLE, { slug: 'secret-log' })), 'ok')
  assert.equal((await payload(server, LIST)).find((p: { slug: string }) => p.slug === 'secret-log').disabledAt, null)

  const id = await providerId('secret-log')
  const entries = (await log({ types: ['idp_create', 'idp_update', 'idp_disable', 'idp_enable'] })).filter((e) => e.eventData?.slug === 'secret-log')
  assert.deepEqual(entries.map((e) => e.type).reverse(), ['idp_create', 'idp_update', 'idp_disable', 'idp_disable', 'idp_enable'])
  assert.ok(entries.every((e) => e.success))
  const created = entries.at(-1)!
  assert.deepEqual(created.eventData.after.configurationKeys, ['claims', 'clientId', 'url'])
  assert.deepEqual(entries.slice(0, -1).map((e) => e.identityProviderId), [id, id, id, id])
  const everything = await wholeLog()
  for (const value of [secret, nextSecret, idp.clientSecret]) assert.ok(!everything.includes(value), 'no secret anywhere in the auth log')
  assert.equal(created.identityProviderId, id, 'idp_create names the provider it made, as every idp_ event does')
})

test('who may: a person neither adds nor lists providers, the login token starts and finishes a sign-in but adds none, a project admin manages them', async () => {
  const person = await personWithSession(server)
  const admin = await personWithSession(server, { roles: ['project_admin'] })
  const add = { slug: 'who-may', type: 'oidc', config: config(), options: { autoSignUp: true } }
  await assertForbidden(ADD, add, person.token)
  await assertForbidden(LIST, {}, person.token)
  await assertForbidden(UPDATE, { slug: 'test-oidc', options: { autoSignUp: false } }, person.token)
  await assertForbidden(DISABLE, { slug: 'test-oidc' }, person.token)
  await assertForbidden(ADD, add, server.loginToken)
  await assertForbidden(LIST, {}, server.loginToken)
  await assertForbidden(INIT, { slug: 'test-oidc', data: { redirectUrl: idp.redirectUri } }, person.token)

  assert.deepEqual(await payload(server, ADD, add, admin.token), { ok: true, error: null })
  assert.ok((await payload(server, LIST, {}, admin.token)).some((p: { slug: string }) => p.slug === 'who-may'))
  assert.equal(codeOf(await payload(server, UPDATE, { slug: 'who-may', config: { claims: 'openid email' }, merge: true }, admin.token)), 'ok')
  // A mapping may grant only roles the caller could grant by hand.
  await assertForbidden(ADD, { ...add, slug: 'who-may-creator', config: { ...config(), claimMapping: { rules: [{ claim: 'groups', grantRoles: ['project_creator'] }] } } }, admin.token)
  assert.equal(codeOf(await payload(server, ADD, { ...add, slug: 'who-may-admin', config: { ...config(), claimMapping: { rules: [{ claim: 'groups', grantRoles: ['project_admin'] }] } } }, admin.token)), 'ok')

  const account = newAccount()
  assert.equal((await signedIn('who-may', account.sub)).person.email, account.email)
})

test('initSignInIDP: PROVIDER_NOT_FOUND for an unknown or disabled provider, IDP_VALIDATION_FAILED without redirectUrl; the deprecated redirectUrl argument; idpConfiguration only with initReturnsConfig; sessionData and the PKCE challenge', async () => {
  await addProvider('init-plain')
  await addProvider('init-config', { initReturnsConfig: true })
  const init = (variables: Record<string, unknown>): Promise<Answer> => payload(server, INIT, variables, server.loginToken)

  assert.equal(codeOf(await init({ slug: 'no-such-provider', data: { redirectUrl: idp.redirectUri } })), 'PROVIDER_NOT_FOUND')
  assert.equal(codeOf(await payload(server, DISABLE, { slug: 'init-plain' })), 'ok')
  assert.equal(codeOf(await init({ slug: 'init-plain', data: { redirectUrl: idp.redirectUri } })), 'PROVIDER_NOT_FOUND')
  assert.equal(codeOf(await payload(server, ENABLE, { slug: 'init-plain' })), 'ok')
  for (const data of [{}, { redirectUrl: 'not a url' }, { redirectUrl: idp.redirectUri, responseMode: 'smoke signals' }, { redirectUrl: idp.redirectUri, extra: 1 }, undefined]) {
    const answer = await init({ slug: 'init-plain', data })
    assert.equal(codeOf(answer), 'IDP_VALIDATION_FAILED', JSON.stringify(data))
  }

  const plain = await start('init-plain')
  assert.equal(plain.idpConfiguration, null)
  assert.deepEqual(Object.keys(plain.sessionData).sort(), ['codeVerifier', 'nonce', 'state'])
  const url = new URL(plain.authUrl)
  assert.equal(`${url.origin}${url.pathname}`, `${idp.issuer}/auth`)
  const parameters = Object.fromEntries(url.searchParams)
  assert.equal(parameters.client_id, idp.clientId)
  assert.equal(parameters.response_type, 'code')
  assert.equal(parameters.redirect_uri, idp.redirectUri)
  assert.equal(parameters.scope, 'openid email profile')
  assert.equal(parameters.state, plain.sessionData.state)
  assert.equal(parameters.nonce, plain.sessionData.nonce)
  assert.equal(parameters.code_challenge_method, 'S256')
  assert.equal(parameters.code_challenge, createHash('sha256').update(plain.sessionData.codeVerifier).digest('base64url'))
  assert.equal(plain.authUrl.includes(plain.sessionData.codeVerifier), false, 'the verifier stays with the caller')
  const other = await start('init-plain')
  assert.notEqual(other.sessionData.state, plain.sessionData.state)
  assert.notEqual(other.sessionData.nonce, plain.sessionData.nonce)
  assert.notEqual(other.sessionData.codeVerifier, plain.sessionData.codeVerifier)

  const { clientSecret: _secret, ...shown } = config()
  assert.deepEqual((await start('init-config')).idpConfiguration, shown)

  const deprecated = await payload(server, INIT_DEPRECATED, { slug: 'init-plain', redirectUrl: idp.redirectUri }, server.loginToken)
  assert.equal(deprecated.ok, true, JSON.stringify(deprecated))
  assert.equal(new URL(deprecated.result.authUrl).searchParams.get('redirect_uri'), idp.redirectUri)
  assert.equal(codeOf(await payload(server, INIT_DEPRECATED, { slug: 'init-plain' }, server.loginToken)), 'IDP_VALIDATION_FAILED')
})

test('signInIDP: a wrong state or nonce, bad data, an unknown or disabled provider are IDP_VALIDATION_FAILED; a replayed code and a refusal at the provider are INVALID_IDP_RESPONSE', async () => {
  await addProvider('sign-in-errors', { autoSignUp: true })
  const account = newAccount()

  // A wrong state is refused before the code is spent: the right sessionData then works.
  const init = await start('sign-in-errors')
  const url = await idp.authorize(init.authUrl, account.sub)
  const wrongState = await finish('sign-in-errors', { url, sessionData: { ...init.sessionData, state: `x${init.sessionData.state}` } })
  assert.equal(codeOf(wrongState), 'IDP_VALIDATION_FAILED', JSON.stringify(wrongState))
  const first = await finish('sign-in-errors', { url, sessionData: init.sessionData })
  assert.equal(first.ok, true, JSON.stringify(first))

  const replayed = await finish('sign-in-errors', { url, sessionData: init.sessionData })
  assert.equal(codeOf(replayed), 'INVALID_IDP_RESPONSE')
  assert.match(replayed.error!.developerMessage, /invalid_grant/)

  const wrongNonce = await signInThrough('sign-in-errors', account.sub, { tamper: (s) => ({ ...s, nonce: `x${s.nonce}` }) })
  assert.equal(codeOf(wrongNonce), 'IDP_VALIDATION_FAILED', JSON.stringify(wrongNonce))
  const wrongVerifier = await signInThrough('sign-in-errors', account.sub, { tamper: (s) => ({ ...s, codeVerifier: `${s.codeVerifier!.slice(1)}x` }) })
  assert.equal(codeOf(wrongVerifier), 'INVALID_IDP_RESPONSE', JSON.stringify(wrongVerifier))

  // The person declines (here: logs in as nobody the provider knows): error=access_denied comes back.
  const declinedInit = await start('sign-in-errors')
  const declinedUrl = await idp.authorize(declinedInit.authUrl, 'nobody-at-the-provider')
  assert.equal(new URL(declinedUrl).searchParams.get('error'), 'access_denied')
  const declined = await finish('sign-in-errors', { url: declinedUrl, sessionData: declinedInit.sessionData })
  assert.equal(codeOf(declined), 'INVALID_IDP_RESPONSE')
  assert.match(declined.error!.developerMessage, /access_denied/)

  const shapeInit = await start('sign-in-errors')
  const shapeUrl = await idp.authorize(shapeInit.authUrl, account.sub)
  const badShapes: unknown[] = [
    undefined, 'text', { url: shapeUrl }, { sessionData: shapeInit.sessionData }, { url: shapeUrl, sessionData: { state: 'only' } },
    { url: shapeUrl, sessionData: shapeInit.sessionData, extra: true }, { url: 'not a url', sessionData: shapeInit.sessionData },
    { parameters: { code: 'x' }, sessionData: shapeInit.sessionData },
  ]
  for (const data of badShapes) assert.equal(codeOf(await finish('sign-in-errors', data)), 'IDP_VALIDATION_FAILED', JSON.stringify(data))
  assert.equal(codeOf(await finish('no-such-provider', { url: shapeUrl, sessionData: shapeInit.sessionData })), 'IDP_VALIDATION_FAILED')

  // Disabled between the start and the finish: refused; enabled again, the same answer works.
  assert.equal(codeOf(await payload(server, DISABLE, { slug: 'sign-in-errors' })), 'ok')
  assert.equal(codeOf(await finish('sign-in-errors', { url: shapeUrl, sessionData: shapeInit.sessionData })), 'IDP_VALIDATION_FAILED')
  assert.equal(codeOf(await payload(server, ENABLE, { slug: 'sign-in-errors' })), 'ok')
  const late = await finish('sign-in-errors', { url: shapeUrl, sessionData: shapeInit.sessionData })
  assert.equal(late.ok, true, JSON.stringify(late))
  assert.equal(late.result.person.id, first.result.person.id)
})

test('signInIDP: the deprecated arguments (idpResponse.url, redirectUrl, sessionData) work', async () => {
  await addProvider('deprecated-args', { autoSignUp: true })
  const account = newAccount()
  const init = await payload(server, INIT_DEPRECATED, { slug: 'deprecated-args', redirectUrl: idp.redirectUri }, server.loginToken)
  assert.equal(init.ok, true, JSON.stringify(init))
  const url = await idp.authorize(init.result.authUrl, account.sub)
  const answer = await payload(server, SIGN_IN_DEPRECATED, { slug: 'deprecated-args', url, redirectUrl: idp.redirectUri, sessionData: init.result.sessionData }, server.loginToken)
  assert.equal(answer.ok, true, JSON.stringify(answer))
  assert.equal(answer.result.person.email, account.email)
  const again = await payload(server, SIGN_IN_DEPRECATED, { slug: 'deprecated-args', url, sessionData: init.result.sessionData }, server.loginToken)
  assert.equal(codeOf(again), 'INVALID_IDP_RESPONSE')
  const noSessionData = await payload(server, SIGN_IN_DEPRECATED, { slug: 'deprecated-args', url }, server.loginToken)
  assert.equal(codeOf(noSessionData), 'IDP_VALIDATION_FAILED')
})

test('signInIDP: an ID token that has expired (the provider\'s clock two hours behind, tokens valid 60 s) is IDP_VALIDATION_FAILED', async () => {
  const behind = await startOidcProvider({ clock: () => Date.now() - 2 * 3600_000, idTokenTtlSeconds: 60 })
  try {
    const account = newAccount(behind)
    await addProvider('expired-token', { autoSignUp: true }, {}, behind)
    const answer = await signInThrough('expired-token', account.sub, { harness: behind })
    assert.equal(codeOf(answer), 'IDP_VALIDATION_FAILED', JSON.stringify(answer))
    assert.match(answer.error!.developerMessage, /timestamp/)
    assert.equal((await log({ personInputIdentifier: account.email })).length, 0, 'nobody was made or named')
  } finally {
    await behind.stop()
  }
})

test('signInIDP: an ID token signed by a key the provider does not publish is IDP_VALIDATION_FAILED, under an unpublished kid and under the published one', async () => {
  const forger = await startOidcProvider()
  const account = newAccount(forger)
  await addProvider('forged-token', { autoSignUp: true }, {}, forger)
  const honest = await signedIn('forged-token', account.sub, forger)

  await forger.signWithUnpublishedKey()
  const unknownKid = await signInThrough('forged-token', account.sub, { harness: forger })
  assert.equal(codeOf(unknownKid), 'IDP_VALIDATION_FAILED', JSON.stringify(unknownKid))
  assert.match(unknownKid.error!.developerMessage, /ERR_JWKS_NO_MATCHING_KEY/)
  // Past the one-second pause between fetches of the keys: fetched again, still not there.
  await sleep(1100)
  assert.equal(codeOf(await signInThrough('forged-token', account.sub, { harness: forger })), 'IDP_VALIDATION_FAILED')

  await forger.signWithUnpublishedKey({ sameKid: true })
  const sameKid = await signInThrough('forged-token', account.sub, { harness: forger })
  assert.equal(codeOf(sameKid), 'IDP_VALIDATION_FAILED', JSON.stringify(sameKid))
  assert.match(sameKid.error!.developerMessage, /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/)

  const id = await providerId('forged-token')
  const logged = (await log({ types: ['idp_login'] })).filter((e) => e.identityProviderId === id)
  assert.deepEqual(logged.map((e) => [e.success, e.errorCode]), [[false, 'IDP_VALIDATION_FAILED'], [false, 'IDP_VALIDATION_FAILED'], [false, 'IDP_VALIDATION_FAILED'], [true, null]])
  assert.equal(logged.at(-1)!.personId, honest.person.id)
})

test('key rotation at the provider: a little over a second later the next sign-in verifies against the new key, with nothing restarted', async () => {
  const rotating = await startOidcProvider()
  const account = newAccount(rotating)
  await addProvider('rotating-keys', { autoSignUp: true }, {}, rotating)
  const first = await signedIn('rotating-keys', account.sub, rotating)
  const oldKid = rotating.kid
  await rotating.rotateKeys()
  assert.notEqual(rotating.kid, oldKid)
  await sleep(1100)
  const second = await signedIn('rotating-keys', account.sub, rotating)
  assert.equal(second.person.id, first.person.id)
  await rotating.rotateKeys()
  await sleep(1100)
  assert.equal((await signedIn('rotating-keys', account.sub, rotating)).person.id, first.person.id)
})

test('matching: a person with the same verified email is linked on the first sign-in (no autoSignUp) and then found by subject; an unknown subject is PERSON_NOT_FOUND; autoSignUp makes a person', async () => {
  await addProvider('match-email')
  const existing = await signUpPerson(server)
  const account = newAccount(idp, { email: existing.email.toUpperCase() })
  const linked = await signedIn('match-email', account.sub)
  assert.equal(linked.person.id, existing.personId)
  assert.deepEqual(linked.person.identityProviders.map((c) => c.externalIdentifier), [account.sub])
  assert.equal(await signInAnswer(server, existing.email, existing.password!), 'ok', 'the password still works')
  // Found by subject from now on, whatever email the provider says.
  idp.accounts.set(account.sub, { ...account, email: `changed-${account.email}` })
  assert.equal((await signedIn('match-email', account.sub)).person.id, existing.personId)

  const stranger = newAccount()
  const notFound = await signInThrough('match-email', stranger.sub)
  assert.equal(codeOf(notFound), 'PERSON_NOT_FOUND')
  assert.match(notFound.error!.developerMessage, new RegExp(stranger.email!.replace(/[.]/g, '\\.')))

  await addProvider('match-auto', { autoSignUp: true })
  const made = await signedIn('match-auto', stranger.sub)
  assert.equal(made.person.email, stranger.email)
  assert.equal(made.person.name, stranger.name)
  assert.notEqual(made.person.id, existing.personId)
  const me = await payload(server, '{ me { roles person { id email } } }', {}, made.token)
  assert.deepEqual(me, { roles: ['person'], person: { id: made.person.id, email: stranger.email } })
  // The person made is who the other provider finds by email now.
  assert.equal((await signedIn('match-email', stranger.sub)).person.id, made.person.id)
})

test('matching with requireVerifiedEmail: an unverified email is PERSON_NOT_FOUND, or PERSON_ALREADY_EXISTS with autoSignUp; assumeEmailVerified lets it link', async () => {
  await addProvider('verified-only', { requireVerifiedEmail: true })
  await addProvider('verified-only-auto', { requireVerifiedEmail: true, autoSignUp: true })
  const existing = await signUpPerson(server)
  const unverified = newAccount(idp, { email: existing.email, email_verified: false })
  const notFound = await signInThrough('verified-only', unverified.sub)
  assert.equal(codeOf(notFound), 'PERSON_NOT_FOUND', JSON.stringify(notFound))
  const exists = await signInThrough('verified-only-auto', unverified.sub)
  assert.equal(codeOf(exists), 'PERSON_ALREADY_EXISTS', JSON.stringify(exists))
  const { body } = await server.gql('query($email: String!) { persons(filter: { email: $email }) { id } }', { variables: { email: existing.email } })
  assert.deepEqual(body.data.persons, [{ id: existing.personId }], 'nobody else was made with the address')

  // A verified email does link under requireVerifiedEmail.
  const verified = newAccount(idp, { email: existing.email })
  assert.equal((await signedIn('verified-only', verified.sub)).person.id, existing.personId)

  assert.equal(codeOf(await payload(server, UPDATE, { slug: 'verified-only', options: { assumeEmailVerified: true } })), 'ok')
  assert.equal((await signedIn('verified-only', unverified.sub)).person.id, existing.personId)
})

test('a disabled person gets PERSON_DISABLED; idp_login entries (success and failure) name the provider', async () => {
  await addProvider('disabled-person', { autoSignUp: true })
  const id = await providerId('disabled-person')
  const account = newAccount()
  const made = await signedIn('disabled-person', account.sub)
  const success = (await log({ types: ['idp_login'], personId: made.person.id }))
  assert.equal(success.length, 1)
  assert.deepEqual([success[0]!.success, success[0]!.identityProviderId, success[0]!.personInputIdentifier], [true, id, account.email])
  assert.match(success[0]!.metadata.sessionId, /^[0-9a-f-]{36}$/)

  const disabled = await payload(server, 'mutation($id: String!) { disablePerson(personId: $id) { ok } }', { id: made.person.id })
  assert.equal(disabled.ok, true)
  const refused = await signInThrough('disabled-person', account.sub)
  assert.equal(codeOf(refused), 'PERSON_DISABLED', JSON.stringify(refused))
  const failure = (await log({ types: ['idp_login'], personId: made.person.id, success: false }))
  assert.equal(failure.length, 1)
  assert.deepEqual([failure[0]!.errorCode, failure[0]!.identityProviderId, failure[0]!.personInputIdentifier], ['PERSON_DISABLED', id, account.email])

  // A failure before anyone is found (the provider's answer refused) is logged with the provider too.
  await addProvider('not-found-logged')
  const stranger = newAccount()
  assert.equal(codeOf(await signInThrough('not-found-logged', stranger.sub)), 'PERSON_NOT_FOUND')
  const notFound = await log({ types: ['idp_login'], personInputIdentifier: stranger.email })
  assert.deepEqual(notFound.map((e) => [e.success, e.errorCode, e.identityProviderId, e.personId]), [[false, 'PERSON_NOT_FOUND', await providerId('not-found-logged'), null]])
  const wrongState = await signInThrough('not-found-logged', stranger.sub, { tamper: (s) => ({ ...s, state: 'wrong' }) })
  assert.equal(codeOf(wrongState), 'IDP_VALIDATION_FAILED')
  const validation = (await log({ types: ['idp_login'], success: false })).find((e) => e.errorCode === 'IDP_VALIDATION_FAILED' && e.identityProviderId === notFound[0]!.identityProviderId)
  assert.ok(validation, 'IDP_VALIDATION_FAILED logged with the provider')
})

test('exclusive: persons are not matched by email and are made without one; a linked person with a password gets NO_PASSWORD_SET until the provider is disabled', async () => {
  await addProvider('exclusive-plain', { exclusive: true })
  await addProvider('exclusive-auto', { exclusive: true, autoSignUp: true })
  const existing = await signUpPerson(server)
  const sameEmail = newAccount(idp, { email: existing.email })
  assert.equal(codeOf(await signInThrough('exclusive-plain', sameEmail.sub)), 'PERSON_NOT_FOUND')
  assert.equal(codeOf(await signInThrough('exclusive-auto', sameEmail.sub)), 'PERSON_ALREADY_EXISTS')

  const fresh = newAccount()
  const made = await signedIn('exclusive-auto', fresh.sub)
  assert.equal(made.person.email, null)
  assert.equal(made.person.name, fresh.name)
  assert.equal(made.idpResponse.email, fresh.email, 'the provider did send it')
  assert.equal((await signedIn('exclusive-auto', fresh.sub)).person.id, made.person.id, 'found again by subject')

  // Linked through a provider that is not exclusive yet, then made exclusive.
  await addProvider('becomes-exclusive')
  const person = await signUpPerson(server)
  const account = newAccount(idp, { email: person.email })
  assert.equal((await signedIn('becomes-exclusive', account.sub)).person.id, person.personId)
  assert.equal(await signInAnswer(server, person.email, person.password!), 'ok')
  assert.equal(codeOf(await payload(server, UPDATE, { slug: 'becomes-exclusive', options: { exclusive: true } })), 'ok')
  await payload(server, 'mutation { configure(config: { login: { baseBackoff: "PT0S", maxBackoff: "PT0S" } }) { ok } }')
  try {
    assert.equal(await signInAnswer(server, person.email, person.password!), 'NO_PASSWORD_SET')
    assert.equal(await signInAnswer(server, person.email, 'Wrong-Password-123'), 'INVALID_PASSWORD', 'the method is told only for the right password')
    await payload(server, 'mutation { configure(config: { login: { revealLoginMethod: false } }) { ok } }')
    assert.equal(await signInAnswer(server, person.email, person.password!), 'INVALID_CREDENTIALS')
    await payload(server, 'mutation { configure(config: { login: { revealLoginMethod: true } }) { ok } }')
    assert.equal((await signedIn('becomes-exclusive', account.sub)).person.id, person.personId, 'the provider still signs them in')

    assert.equal(codeOf(await payload(server, DISABLE, { slug: 'becomes-exclusive' })), 'ok')
    assert.equal(await signInAnswer(server, person.email, person.password!), 'ok')
    assert.equal(codeOf(await payload(server, ENABLE, { slug: 'becomes-exclusive' })), 'ok')
    assert.equal(await signInAnswer(server, person.email, person.password!), 'NO_PASSWORD_SET')
  } finally {
    await payload(server, 'mutation { configure(config: { login: { revealLoginMethod: true, baseBackoff: null, maxBackoff: null } }) { ok } }')
  }
})

test('claim mapping: groups grant project_admin and an editor membership at sign-in (idp_role_mapped); unmatched remove takes them away with the groups, keep leaves them; a mapping into a missing project is INVALID_CONFIGURATION', async () => {
  const project = await newProject()
  const mapping = (projectSlug: string, unmatched: 'keep' | 'remove') => ({
    rules: [
      { claim: 'groups', contains: 'admins', grantRoles: ['project_admin'] },
      { claim: 'groups', contains: 'editors', grantMembership: { project: projectSlug, role: 'editor' } },
    ],
    unmatched,
  })
  const missing = await payload(server, ADD, { slug: 'mapping-missing', type: 'oidc', config: { ...config(), claimMapping: mapping('no-such-project', 'remove') } })
  assert.equal(codeOf(missing), 'INVALID_CONFIGURATION')
  assert.match(missing.error.developerMessage, /no-such-project/)
  const badRole = await payload(server, ADD, { slug: 'mapping-missing', type: 'oidc', config: { ...config(), claimMapping: { rules: [{ claim: 'groups', grantMembership: { project, role: 'chief' } }] } } })
  assert.equal(codeOf(badRole), 'INVALID_CONFIGURATION')

  await addProvider('mapping', { autoSignUp: true }, { claims: 'openid email profile groups', claimMapping: mapping(project, 'remove') })
  const id = await providerId('mapping')
  const account = newAccount(idp, { groups: ['admins', 'editors'] })
  const setGroups = (groups: string[]) => idp.accounts.set(account.sub, { ...account, groups })
  // Global roles as the person's token sees them; the memberships as root reads them (to a
  // project admin me.projects shows an implied admin membership in every project instead).
  const rolesOf = async (token: string) => {
    const me = await payload(server, ME, {}, token)
    const memberships = await payload(server, 'query($slug: String!, $id: String!) { projectMemberships(projectSlug: $slug, identityId: $id) { role variables { name } } }', { slug: project, id: me.id })
    return { roles: [...me.roles].sort(), memberships }
  }
  const granted = { roles: ['person', 'project_admin'], memberships: [{ role: 'editor', variables: [] }] }
  const none = { roles: ['person'], memberships: [] }

  const first = await signedIn('mapping', account.sub)
  assert.deepEqual(first.idpResponse.groups, ['admins', 'editors'])
  assert.deepEqual(await rolesOf(first.token), granted)
  const mapped = await log({ types: ['idp_role_mapped'], personId: first.person.id })
  assert.equal(mapped.length, 1)
  assert.equal(mapped[0]!.identityProviderId, id)
  assert.equal(mapped[0]!.targetPersonId, first.person.id)
  assert.deepEqual(mapped[0]!.eventData.before, { roles: [], memberships: [] })
  assert.deepEqual(mapped[0]!.eventData.after, { roles: ['project_admin'], memberships: [{ project, role: 'editor', variables: [] }] })
  assert.equal(mapped[0]!.eventData.unmatched, 'remove')
  // The same claims again change nothing and log nothing.
  assert.deepEqual(await rolesOf((await signedIn('mapping', account.sub)).token), granted)
  assert.equal((await log({ types: ['idp_role_mapped'], personId: first.person.id })).length, 1)

  setGroups([])
  const second = await signedIn('mapping', account.sub)
  assert.deepEqual(await rolesOf(second.token), none)
  assert.deepEqual(await rolesOf(first.token), none, 'an older session of theirs too')
  const removed = (await log({ types: ['idp_role_mapped'], personId: first.person.id }))[0]!
  assert.deepEqual(removed.eventData.after, { roles: [], memberships: [] })

  // keep: merged into the mapping (its rules stay), what was granted stays when the groups go.
  assert.equal(codeOf(await payload(server, UPDATE, { slug: 'mapping', config: { claimMapping: { unmatched: 'keep' } }, merge: true })), 'ok')
  const stored = (await payload(server, LIST)).find((p: { slug: string }) => p.slug === 'mapping')
  assert.deepEqual(stored.configuration.claimMapping, mapping(project, 'keep'))
  setGroups(['admins', 'editors'])
  assert.deepEqual(await rolesOf((await signedIn('mapping', account.sub)).token), granted)
  setGroups([])
  assert.deepEqual(await rolesOf((await signedIn('mapping', account.sub)).token), granted)
})

test('disconnectMyIdentityProvider: NOT_FOUND, NOT_A_PERSON, LAST_AUTH_METHOD, and a person with a password disconnects; Person.identityProviders for the person and a project admin, none for others', async () => {
  await addProvider('disconnect', { autoSignUp: true })
  const disconnect = (id: string, token: string): Promise<Answer> => payload(server, DISCONNECT, { id }, token)

  // Made by the provider: no password, one connection.
  const account = newAccount()
  const made = await signedIn('disconnect', account.sub)
  const [madeLink] = made.person.identityProviders
  assert.ok(madeLink)
  const last = await disconnect(madeLink.id, made.token)
  assert.equal(codeOf(last), 'LAST_AUTH_METHOD', JSON.stringify(last))
  assert.equal(codeOf(await disconnect(randomUUID(), made.token)), 'NOT_FOUND')
  assert.equal(codeOf(await disconnect('not-an-id', made.token)), 'NOT_FOUND')

  // A person with a password, linked by email.
  const existing = await signUpPerson(server)
  const existingAccount = newAccount(idp, { email: existing.email })
  const linked = await signedIn('disconnect', existingAccount.sub)
  assert.equal(linked.person.id, existing.personId)
  const existingToken = await signInPerson(server, existing)
  assert.equal(codeOf(await disconnect(madeLink.id, existingToken)), 'NOT_FOUND', 'another person\'s connection')
  assert.equal(codeOf(await disconnect(madeLink.id, server.rootToken)), 'NOT_A_PERSON')
  const key = await payload(server, 'mutation { createGlobalApiKey(description: "idp test", roles: ["project_admin"]) { ok result { apiKey { token } } } }')
  assert.equal(codeOf(await disconnect(madeLink.id, key.result.apiKey.token)), 'NOT_A_PERSON')
  assert.equal(codeOf(await disconnect(madeLink.id, server.loginToken)), 'NOT_A_PERSON')

  // What each sees of the connections.
  const mine = (await payload(server, MY_CONNECTIONS, {}, existingToken)).person.identityProviders
  assert.deepEqual(mine, [{ id: linked.person.identityProviders[0]!.id, externalIdentifier: existingAccount.sub, identityProvider: { slug: 'disconnect', type: 'oidc', disabledAt: null } }])
  const admin = await personWithSession(server, { roles: ['project_admin'] })
  const seenByAdmin = await payload(server, PERSON_CONNECTIONS, { id: made.person.id }, admin.token)
  assert.deepEqual(seenByAdmin.identityProviders, [{ id: madeLink.id, externalIdentifier: account.sub, identityProvider: { slug: 'disconnect', type: 'oidc', disabledAt: null } }])
  assert.equal(await payload(server, PERSON_CONNECTIONS, { id: made.person.id }, existingToken), null)
  // A member who may view the project's editors sees the person, not their connections.
  const project = await newProject({ roles: { editor: {}, watcher: { tenant: { view: { editor: true } } } } })
  const addMember = 'mutation($slug: String!, $id: String!, $m: [MembershipInput!]!) { addProjectMember(projectSlug: $slug, identityId: $id, memberships: $m) { ok error { code } } }'
  const madeIdentity = (await payload(server, '{ me { id } }', {}, made.token)).id
  assert.equal((await payload(server, addMember, { slug: project, id: madeIdentity, m: [{ role: 'editor', variables: [] }] })).ok, true)
  assert.equal((await payload(server, addMember, { slug: project, id: existing.identityId, m: [{ role: 'watcher', variables: [] }] })).ok, true)
  const MEMBERS = `query($slug: String!) { projectBySlug(slug: $slug) { members { identity { id person { id identityProviders { id } } } } } }`
  const seen = (await payload(server, MEMBERS, { slug: project }, existingToken)).members
  const madeSeen = seen.find((m: any) => m.identity.id === madeIdentity)
  assert.equal(madeSeen?.identity.person.id, made.person.id, 'the watcher sees the editor')
  assert.deepEqual(madeSeen.identity.person.identityProviders, [], 'but not their connections')
  const seenByAdminAsMember = (await payload(server, MEMBERS, { slug: project }, admin.token)).members.find((m: any) => m.identity.id === madeIdentity)
  assert.deepEqual(seenByAdminAsMember.identity.person.identityProviders, [{ id: madeLink.id }])

  // Another enabled provider is another way in; a disabled one is not (and shows as disabled).
  await addProvider('disconnect-other')
  const otherLink = (await signedIn('disconnect-other', newAccount(idp, { email: account.email }).sub)).person.identityProviders.find((c) => c.externalIdentifier !== account.sub)!
  assert.equal(codeOf(await payload(server, DISABLE, { slug: 'disconnect-other' })), 'ok')
  assert.equal(codeOf(await disconnect(madeLink.id, made.token)), 'LAST_AUTH_METHOD')
  const withDisabled = (await payload(server, MY_CONNECTIONS, {}, made.token)).person.identityProviders
  assert.deepEqual(withDisabled.map((c: any) => [c.identityProvider.slug, c.identityProvider.disabledAt !== null]), [['disconnect', false], ['disconnect-other', true]])
  assert.equal(codeOf(await payload(server, ENABLE, { slug: 'disconnect-other' })), 'ok')
  assert.equal(codeOf(await disconnect(madeLink.id, made.token)), 'ok')
  assert.deepEqual((await payload(server, MY_CONNECTIONS, {}, made.token)).person.identityProviders.map((c: any) => c.id), [otherLink.id])
  assert.equal(codeOf(await disconnect(otherLink.id, made.token)), 'LAST_AUTH_METHOD')

  // The person with a password may drop their only connection.
  assert.equal(codeOf(await disconnect(linked.person.identityProviders[0]!.id, existingToken)), 'ok')
  assert.deepEqual((await payload(server, MY_CONNECTIONS, {}, existingToken)).person.identityProviders, [])
  assert.equal(codeOf(await disconnect(linked.person.identityProviders[0]!.id, existingToken)), 'NOT_FOUND', 'gone')
  const logged = await log({ types: ['idp_disconnect'], personId: existing.personId })
  assert.deepEqual(logged.map((e) => [e.success, e.identityProviderId, e.eventData.slug]), [[true, await providerId('disconnect'), 'disconnect']])
})

test('a provider a project admin wrote never signs anyone in as someone above them (a super admin): PERSON_NOT_FOUND until a super admin writes it', async () => {
  const admin = await personWithSession(server, { roles: ['project_admin'] })
  const superAdmin = await signUpPerson(server, { roles: ['super_admin'] })
  const plain = await signUpPerson(server)
  // The project admin runs the provider and claims the super admin's email (and a plain person's).
  const forSuper = newAccount(idp, { email: superAdmin.email })
  const forPlain = newAccount(idp, { email: plain.email })
  const added = await payload(server, ADD, { slug: 'admin-written', type: 'oidc', config: config() }, admin.token)
  assert.deepEqual(added, { ok: true, error: null })
  const refused = await signInThrough('admin-written', forSuper.sub)
  assert.equal(codeOf(refused), 'PERSON_NOT_FOUND', JSON.stringify(refused))
  assert.equal((await signedIn('admin-written', forPlain.sub)).person.id, plain.personId, 'a person the project admin could act on is reachable')
  // Written again by a super admin, the provider is trusted with everyone; changed by the project admin, no longer.
  assert.equal(codeOf(await payload(server, UPDATE, { slug: 'admin-written', config: { claims: 'openid email' }, merge: true })), 'ok')
  assert.equal((await signedIn('admin-written', forSuper.sub)).person.id, superAdmin.personId)
  assert.equal(codeOf(await payload(server, UPDATE, { slug: 'admin-written', config: { claims: 'openid email profile' }, merge: true }, admin.token)), 'ok')
  assert.equal(codeOf(await signInThrough('admin-written', forSuper.sub)), 'PERSON_NOT_FOUND', 'the link made meanwhile does not reach them either')
})
