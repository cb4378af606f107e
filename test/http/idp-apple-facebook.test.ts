import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodeJwt, decodeProtectedHeader, exportPKCS8, exportSPKI, generateKeyPair } from 'jose'
import { counts, payload, signUpPerson } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'
import { startAppleFake, startFacebookFake, type AppleUser } from '../helpers/idpFakes.js'

// Sign-in with Apple and with Facebook over our API, against fakes of their endpoints on loopback
// (test/helpers/idpFakes.ts) that check what the real services check. Apple: the client secret is
// an ES256 JWT of the team's key (the fake verifies it), the answer is a posted form, the name
// comes only with the first sign-in, email_verified is the string "true"; a wrong state, a code
// used twice and a bad private key are refused with the documented codes, and the key is never
// shown. Facebook: the code is exchanged with the client secret, the person comes from the Graph
// API; a Graph API failure, a wrong state and a refusing token endpoint give the documented codes.

const APPLE_REDIRECT = 'https://app.example/callback/apple'
const FACEBOOK_REDIRECT = 'https://app.example/callback/facebook'
const FACEBOOK_REDIRECT_WITH_QUERY = 'https://app.example/callback/facebook?client=web'

const teamKey = await generateKeyPair('ES256', { extractable: true })
const privateKey = await exportPKCS8(teamKey.privateKey)
const apple = await startAppleFake({ teamPublicKey: await exportSPKI(teamKey.publicKey), redirectUris: [APPLE_REDIRECT] })
const facebook = await startFacebookFake({ redirectUris: [FACEBOOK_REDIRECT, FACEBOOK_REDIRECT_WITH_QUERY] })
const server = await startServer()

const ADD = `mutation($slug: String!, $type: String!, $config: Json!, $options: IDPOptions) {
  addIDP(identityProvider: $slug, type: $type, configuration: $config, options: $options) { ok error { code developerMessage } } }`
const UPDATE = `mutation($slug: String!, $config: Json!) {
  updateIDP(identityProvider: $slug, configuration: $config, mergeConfiguration: true) { ok error { code developerMessage } } }`
const INIT = `mutation($slug: String!, $data: Json) { initSignInIDP(identityProvider: $slug, data: $data) { ok error { code developerMessage } result { authUrl sessionData idpConfiguration } } }`
const SIGN_IN = `mutation($slug: String!, $data: Json) { signInIDP(identityProvider: $slug, data: $data) {
  ok error { code developerMessage } result { token person { id email name identityProviders { externalIdentifier identityProvider { slug type } } } idpResponse } } }`

const appleConfig = (overrides: Record<string, unknown> = {}) =>
  ({ clientId: apple.clientId, teamId: apple.teamId, keyId: apple.keyId, privateKey, url: apple.url, ...overrides })
const facebookConfig = (overrides: Record<string, unknown> = {}) => ({
  clientId: facebook.clientId, clientSecret: facebook.clientSecret,
  authorizationEndpoint: facebook.authorizationEndpoint, tokenEndpoint: facebook.tokenEndpoint, graphUrl: facebook.graphUrl, ...overrides,
})

async function addIdp(slug: string, type: string, config: Record<string, unknown>, options: Record<string, boolean> = { autoSignUp: true }) {
  assert.deepEqual(await payload(server, ADD, { slug, type, config, options }), { ok: true, error: null }, `addIDP ${slug}`)
}

async function initSignIn(slug: string, redirectUrl: string): Promise<{ authUrl: string; sessionData: Record<string, string>; idpConfiguration: Record<string, unknown> | null }> {
  const init = await payload(server, INIT, { slug, data: { redirectUrl } }, server.loginToken)
  assert.equal(init.ok, true, JSON.stringify(init))
  return init.result
}

const signIn = (slug: string, data: Record<string, unknown>) => payload(server, SIGN_IN, { slug, data }, server.loginToken)

/** initSignInIDP -> Apple (the person consents) -> the fields Apple posts back, with what signInIDP takes. */
async function appleRoundTrip(slug: string, user: AppleUser) {
  const { authUrl, sessionData } = await initSignIn(slug, APPLE_REDIRECT)
  const parameters = apple.authorize(authUrl, user)
  return { authUrl, parameters, data: { parameters, redirectUrl: APPLE_REDIRECT, sessionData } }
}

let appleSubs = 0
const appleUser = (more: Partial<AppleUser> = {}): AppleUser =>
  ({ sub: `000${++appleSubs}.${Math.random().toString(16).slice(2)}.1234`, email: `apple-${appleSubs}-${Math.random().toString(36).slice(2, 8)}@privaterelay.appleid.com`, emailVerified: true, ...more })

await addIdp('apple', 'apple', appleConfig())
await addIdp('facebook', 'facebook', facebookConfig())

test('apple: the first sign-in makes a person named from the posted user field, the next signs the same person in', async () => {
  const user = appleUser({ firstName: 'Ada', lastName: 'Lovelace' })
  const accepted = apple.secretsAccepted
  const first = await appleRoundTrip('apple', user)
  const authUrl = new URL(first.authUrl)
  assert.equal(`${authUrl.origin}${authUrl.pathname}`, `${apple.url}/auth/authorize`)
  assert.equal(authUrl.searchParams.get('response_mode'), 'form_post')
  assert.equal(authUrl.searchParams.get('code_challenge_method'), 'S256')
  assert.equal(authUrl.searchParams.get('scope'), 'openid name email')
  assert.ok(authUrl.searchParams.get('nonce'))
  assert.deepEqual(JSON.parse(first.parameters.user!), { name: { firstName: 'Ada', lastName: 'Lovelace' }, email: user.email })

  const before = await counts(server)
  const signedUp = await signIn('apple', first.data)
  assert.equal(signedUp.ok, true, JSON.stringify(signedUp))
  assert.equal(signedUp.result.person.name, 'Ada Lovelace')
  assert.equal(signedUp.result.person.email, user.email)
  assert.deepEqual(signedUp.result.person.identityProviders, [{ externalIdentifier: user.sub, identityProvider: { slug: 'apple', type: 'apple' } }])
  assert.equal(signedUp.result.idpResponse.email_verified, 'true')
  assert.equal((await counts(server)).persons, before.persons + 1)
  const me = await payload(server, '{ me { person { id } } }', {}, signedUp.result.token)
  assert.equal(me.person.id, signedUp.result.person.id)
  assert.equal(apple.secretsAccepted, accepted + 1, 'the token request carried a client secret the fake verified')

  // Apple sends no `user` field from the second sign-in on.
  const second = await appleRoundTrip('apple', user)
  assert.equal(second.parameters.user, undefined)
  const signedIn = await signIn('apple', second.data)
  assert.equal(signedIn.ok, true, JSON.stringify(signedIn))
  assert.equal(signedIn.result.person.id, signedUp.result.person.id)
  assert.equal(signedIn.result.person.name, 'Ada Lovelace')
  assert.notEqual(signedIn.result.token, signedUp.result.token)
  assert.equal((await counts(server)).persons, before.persons + 1)
  assert.equal(apple.secretsAccepted, accepted + 2)
})

test('apple: the client secret is a short ES256 JWT of the team key; one signed with another key is refused by Apple', async () => {
  await appleRoundTrip('apple', appleUser()).then(({ data }) => signIn('apple', data)).then((r) => assert.equal(r.ok, true, JSON.stringify(r)))
  const secret = apple.tokenRequests.at(-1)!.get('client_secret')!
  assert.deepEqual(decodeProtectedHeader(secret), { alg: 'ES256', kid: apple.keyId })
  const claims = decodeJwt(secret)
  assert.equal(claims.iss, apple.teamId)
  assert.equal(claims.sub, apple.clientId)
  assert.equal(claims.aud, apple.url)
  assert.ok(claims.exp! - claims.iat! <= 600, `lives ${claims.exp! - claims.iat!} s`)

  const otherKey = await generateKeyPair('ES256', { extractable: true })
  await addIdp('apple-other-key', 'apple', appleConfig({ privateKey: await exportPKCS8(otherKey.privateKey) }))
  const accepted = apple.secretsAccepted
  const { data } = await appleRoundTrip('apple-other-key', appleUser())
  const refused = await signIn('apple-other-key', data)
  assert.equal(refused.ok, false)
  assert.equal(refused.error.code, 'INVALID_IDP_RESPONSE', JSON.stringify(refused))
  assert.match(apple.refusals.at(-1)!, /^invalid_client: client_secret: ERR_JWS_SIGNATURE_VERIFICATION_FAILED/)
  assert.equal(apple.secretsAccepted, accepted)
})

test('apple: a posted state other than the one started with -> IDP_VALIDATION_FAILED, and the code is not exchanged', async () => {
  const { data, parameters } = await appleRoundTrip('apple', appleUser({ firstName: 'Eve', lastName: 'Mallory' }))
  const requests = apple.tokenRequests.length
  const before = await counts(server)
  const refused = await signIn('apple', { ...data, parameters: { ...parameters, state: 'not-the-state-we-sent' } })
  assert.equal(refused.ok, false)
  assert.equal(refused.error.code, 'IDP_VALIDATION_FAILED', JSON.stringify(refused))
  assert.equal(apple.tokenRequests.length, requests)
  assert.deepEqual(await counts(server), before)
})

test('apple: the person cancelling at Apple (it posts error=user_cancelled_authorize) -> INVALID_IDP_RESPONSE', async () => {
  const { sessionData } = await initSignIn('apple', APPLE_REDIRECT)
  const requests = apple.tokenRequests.length
  const refused = await signIn('apple', { parameters: { error: 'user_cancelled_authorize', state: sessionData.state }, redirectUrl: APPLE_REDIRECT, sessionData })
  assert.equal(refused.ok, false)
  assert.equal(refused.error.code, 'INVALID_IDP_RESPONSE', JSON.stringify(refused))
  assert.match(refused.error.developerMessage, /user_cancelled_authorize/)
  assert.equal(apple.tokenRequests.length, requests)
})

test('apple: a code used a second time -> INVALID_IDP_RESPONSE (Apple answers invalid_grant)', async () => {
  const { data } = await appleRoundTrip('apple', appleUser({ firstName: 'Grace', lastName: 'Hopper' }))
  const first = await signIn('apple', data)
  assert.equal(first.ok, true, JSON.stringify(first))
  const replay = await signIn('apple', data)
  assert.equal(replay.ok, false)
  assert.equal(replay.error.code, 'INVALID_IDP_RESPONSE', JSON.stringify(replay))
  assert.equal(apple.refusals.at(-1), 'invalid_grant: code already used')
})

test('apple: addIDP and updateIDP refuse a privateKey that is not a PKCS#8 P-256 key -> INVALID_CONFIGURATION', async () => {
  const rsa = await generateKeyPair('RS256', { extractable: true })
  const p384 = await generateKeyPair('ES384', { extractable: true })
  const notKeys = {
    'not a key': 'not a key',
    'an RSA key': await exportPKCS8(rsa.privateKey),
    'a P-384 key': await exportPKCS8(p384.privateKey),
    'the public half': await exportSPKI(teamKey.publicKey),
    'a truncated key': privateKey.slice(0, 80) + privateKey.slice(-30),
  }
  for (const [what, key] of Object.entries(notKeys)) {
    const added = await payload(server, ADD, { slug: 'apple-bad-key', type: 'apple', config: appleConfig({ privateKey: key }), options: null })
    assert.equal(added.ok, false, what)
    assert.equal(added.error.code, 'INVALID_CONFIGURATION', `${what}: ${JSON.stringify(added)}`)
    assert.match(added.error.developerMessage, /privateKey/, what)
    assert.doesNotMatch(added.error.developerMessage, /PRIVATE KEY|PUBLIC KEY/, `${what}: the message does not echo the key`)
  }
  const listed = await payload(server, '{ identityProviders { slug } }')
  assert.equal(listed.some((p: { slug: string }) => p.slug === 'apple-bad-key'), false)
  const updated = await payload(server, UPDATE, { slug: 'apple', config: { privateKey: 'not a key' } })
  assert.equal(updated.ok, false)
  assert.equal(updated.error.code, 'INVALID_CONFIGURATION', JSON.stringify(updated))
  // The stored key still works.
  const { data } = await appleRoundTrip('apple', appleUser())
  assert.equal((await signIn('apple', data)).ok, true)
})

test('apple: identityProviders and idpConfiguration never show privateKey', async () => {
  await addIdp('apple-shown', 'apple', appleConfig(), { initReturnsConfig: true })
  const listed = await payload(server, '{ identityProviders { slug type configuration } }')
  const shown = listed.find((p: { slug: string }) => p.slug === 'apple-shown')
  assert.deepEqual(shown.configuration, { clientId: apple.clientId, teamId: apple.teamId, keyId: apple.keyId, url: apple.url })
  assert.doesNotMatch(JSON.stringify(listed), /PRIVATE KEY/)
  const { idpConfiguration } = await initSignIn('apple-shown', APPLE_REDIRECT)
  assert.deepEqual(idpConfiguration, { clientId: apple.clientId, teamId: apple.teamId, keyId: apple.keyId, url: apple.url })
})

test('apple: email_verified "true" (a string) counts as verified: with requireVerifiedEmail a person with that email is linked; "false" is not', async () => {
  await addIdp('apple-verified', 'apple', appleConfig(), { autoSignUp: true, requireVerifiedEmail: true })
  const existing = await signUpPerson(server)
  const { data } = await appleRoundTrip('apple-verified', appleUser({ email: existing.email, emailVerified: true, firstName: 'Other', lastName: 'Name' }))
  const linked = await signIn('apple-verified', data)
  assert.equal(linked.ok, true, JSON.stringify(linked))
  assert.equal(linked.result.idpResponse.email_verified, 'true')
  assert.equal(linked.result.person.id, existing.personId)
  assert.equal(linked.result.person.identityProviders.length, 1)

  const other = await signUpPerson(server)
  const before = await counts(server)
  const unverified = await appleRoundTrip('apple-verified', appleUser({ email: other.email, emailVerified: false }))
  const refused = await signIn('apple-verified', unverified.data)
  assert.equal(refused.ok, false)
  assert.equal(refused.error.code, 'PERSON_ALREADY_EXISTS', JSON.stringify(refused))
  assert.deepEqual(await counts(server), before)
})

test('facebook: a sign-in makes a person with the Graph API\'s email and name, and the next signs the same person in', async () => {
  const user = { id: '10229876543210987', name: 'Margaret Hamilton', email: `mh-${Math.random().toString(36).slice(2, 8)}@example.com` }
  const { authUrl, sessionData } = await initSignIn('facebook', FACEBOOK_REDIRECT)
  const url = new URL(authUrl)
  assert.equal(`${url.origin}${url.pathname}`, facebook.authorizationEndpoint)
  assert.equal(url.searchParams.get('scope'), 'email public_profile')
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256')
  assert.equal(url.searchParams.get('nonce'), null)
  assert.equal(sessionData.nonce, undefined)
  const callback = facebook.authorize(authUrl, user)
  const graphRequests = facebook.graphRequests
  const before = await counts(server)
  const signedUp = await signIn('facebook', { url: callback, sessionData })
  assert.equal(signedUp.ok, true, JSON.stringify(signedUp))
  assert.equal(signedUp.result.person.email, user.email)
  assert.equal(signedUp.result.person.name, user.name)
  assert.deepEqual(signedUp.result.person.identityProviders, [{ externalIdentifier: user.id, identityProvider: { slug: 'facebook', type: 'facebook' } }])
  assert.equal(signedUp.result.idpResponse.id, user.id)
  assert.equal(facebook.graphRequests, graphRequests + 1)
  assert.equal((await counts(server)).persons, before.persons + 1)
  const form = facebook.tokenRequests.at(-1)!
  assert.equal(form.get('client_secret'), facebook.clientSecret)
  assert.ok(form.get('code_verifier'))

  const again = await initSignIn('facebook', FACEBOOK_REDIRECT)
  const signedIn = await signIn('facebook', { url: facebook.authorize(again.authUrl, user), sessionData: again.sessionData })
  assert.equal(signedIn.ok, true, JSON.stringify(signedIn))
  assert.equal(signedIn.result.person.id, signedUp.result.person.id)
  assert.equal((await counts(server)).persons, before.persons + 1)
})

test('facebook: the Graph API failing (500) -> INVALID_IDP_RESPONSE', async () => {
  const { authUrl, sessionData } = await initSignIn('facebook', FACEBOOK_REDIRECT)
  const callback = facebook.authorize(authUrl, { id: '10200000000000001', name: 'Nobody', email: 'nobody@example.com' })
  const before = await counts(server)
  facebook.graphFailure = 500
  try {
    const refused = await signIn('facebook', { url: callback, sessionData })
    assert.equal(refused.ok, false)
    assert.equal(refused.error.code, 'INVALID_IDP_RESPONSE', JSON.stringify(refused))
  } finally {
    facebook.graphFailure = null
  }
  assert.equal(facebook.refusals.at(-1), 'graph: failing with 500')
  assert.deepEqual(await counts(server), before)
})

test('facebook: a state other than the one started with -> IDP_VALIDATION_FAILED, and the code is not exchanged', async () => {
  const { authUrl, sessionData } = await initSignIn('facebook', FACEBOOK_REDIRECT)
  const callback = new URL(facebook.authorize(authUrl, { id: '10200000000000002', name: 'Eve', email: 'eve@example.com' }))
  callback.searchParams.set('state', 'not-the-state-we-sent')
  const requests = facebook.tokenRequests.length
  const refused = await signIn('facebook', { url: callback.href, sessionData })
  assert.equal(refused.ok, false)
  assert.equal(refused.error.code, 'IDP_VALIDATION_FAILED', JSON.stringify(refused))
  assert.equal(facebook.tokenRequests.length, requests)
})

test('facebook: the token endpoint refusing (a code used twice, a wrong client secret) -> INVALID_IDP_RESPONSE', async () => {
  const user = { id: '10200000000000003', name: 'Twice', email: `twice-${Math.random().toString(36).slice(2, 8)}@example.com` }
  const { authUrl, sessionData } = await initSignIn('facebook', FACEBOOK_REDIRECT)
  const callback = facebook.authorize(authUrl, user)
  assert.equal((await signIn('facebook', { url: callback, sessionData })).ok, true)
  const replay = await signIn('facebook', { url: callback, sessionData })
  assert.equal(facebook.refusals.at(-1), 'token: code used')
  assert.equal(replay.ok, false)
  assert.equal(replay.error.code, 'INVALID_IDP_RESPONSE', JSON.stringify(replay))

  await addIdp('facebook-wrong-secret', 'facebook', facebookConfig({ clientSecret: 'not-the-app-secret' }))
  const started = await initSignIn('facebook-wrong-secret', FACEBOOK_REDIRECT)
  const refused = await signIn('facebook-wrong-secret', { url: facebook.authorize(started.authUrl, user), sessionData: started.sessionData })
  assert.equal(facebook.refusals.at(-1), 'token: client_secret')
  assert.equal(refused.ok, false)
  assert.equal(refused.error.code, 'INVALID_IDP_RESPONSE', JSON.stringify(refused))
})

test('facebook: a redirectUrl with a query of its own is sent back unchanged to the token endpoint', async () => {
  const user = { id: '10200000000000004', name: 'Query User', email: `query-${Math.random().toString(36).slice(2, 8)}@example.com` }
  const { authUrl, sessionData } = await initSignIn('facebook', FACEBOOK_REDIRECT_WITH_QUERY)
  const callback = facebook.authorize(authUrl, user)
  assert.match(callback, /\?client=web&code=/)
  const signedIn = await signIn('facebook', { url: callback, sessionData })
  assert.equal(facebook.tokenRequests.at(-1)!.get('redirect_uri'), FACEBOOK_REDIRECT_WITH_QUERY)
  assert.equal(signedIn.ok, true, JSON.stringify(signedIn))
})
