import assert from 'node:assert/strict'
import { test } from 'node:test'
import { payload, signUpPerson } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'
import { startOidcProvider } from '../helpers/oidc.js'

// Sign-in through an OpenID Connect provider: a real one (oidc-provider) on loopback, the whole
// authorization code + PKCE flow over HTTP, as a browser and a client app would drive it.

const idp = await startOidcProvider({ accounts: [
  { sub: 'alice-sub', email: 'alice@idp.example', email_verified: true, name: 'Alice Idp' },
] })
const server = await startServer()

const ADD = `mutation($slug: String!, $type: String!, $config: Json!, $options: IDPOptions) {
  addIDP(identityProvider: $slug, type: $type, configuration: $config, options: $options) { ok error { code developerMessage } } }`
const INIT = `mutation($slug: String!, $data: Json) { initSignInIDP(identityProvider: $slug, data: $data) { ok error { code developerMessage } result { authUrl sessionData idpConfiguration } } }`
const SIGN_IN = `mutation($slug: String!, $data: Json) { signInIDP(identityProvider: $slug, data: $data) {
  ok error { code developerMessage } result { token person { id email name identityProviders { id externalIdentifier identityProvider { slug type } } } idpResponse } } }`

const config = () => ({ url: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, claims: 'openid email profile' })

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
  void signUpPerson
})
