import assert from 'node:assert/strict'
import { test } from 'node:test'
import { payload, signUpPerson } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'
import { startOidcProvider } from '../helpers/oidc.js'

// signOut after a sign-in through an OpenID provider offers the provider's own sign-out page
// (logoutUrl, with the session's ID token as id_token_hint); other sessions get null.

const idp = await startOidcProvider({ accounts: [{ sub: 'bob-sub', email: 'bob@idp.example', email_verified: true, name: 'Bob' }] })
const server = await startServer()

const SIGN_OUT = 'mutation { signOut { ok error { code } logoutUrl } }'

test('signOut: logoutUrl for a session signed in through an OIDC provider, null for a password session', async () => {
  const add = await payload(server, `mutation($c: Json!) { addIDP(identityProvider: "logout-oidc", type: "oidc", configuration: $c, options: { autoSignUp: true }) { ok error { code developerMessage } } }`,
    { c: { url: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, postLogoutRedirectUri: 'https://app.example.com/bye' } })
  assert.equal(add.ok, true, JSON.stringify(add))
  const init = await payload(server, 'mutation($d: Json) { initSignInIDP(identityProvider: "logout-oidc", data: $d) { ok result { authUrl sessionData } } }', { d: { redirectUrl: idp.redirectUri } }, server.loginToken)
  const callback = await idp.authorize(init.result.authUrl, 'bob-sub')
  const signedIn = await payload(server, 'mutation($d: Json) { signInIDP(identityProvider: "logout-oidc", data: $d) { ok error { code developerMessage } result { token } } }',
    { d: { url: callback, sessionData: init.result.sessionData } }, server.loginToken)
  assert.equal(signedIn.ok, true, JSON.stringify(signedIn))

  const out = await payload(server, SIGN_OUT, {}, signedIn.result.token)
  assert.equal(out.ok, true)
  const url = new URL(out.logoutUrl)
  assert.equal(url.origin, new URL(idp.issuer).origin)
  assert.ok(url.searchParams.get('id_token_hint'), out.logoutUrl)
  assert.equal(url.searchParams.get('post_logout_redirect_uri'), 'https://app.example.com/bye')
  assert.equal((await server.gql('{ me { id } }', { token: signedIn.result.token })).status, 401, 'signed out here at once')
  const logged = await payload(server, 'query { authLog(filter: { types: ["idp_logout_initiated"] }) { entries { success identityProviderId } } }')
  assert.equal(logged.entries.length, 1)

  const person = await signUpPerson(server)
  const session = (await payload(server, 'mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { result { token } } }', { e: person.email, p: person.password }, server.loginToken)).result.token
  assert.deepEqual(await payload(server, SIGN_OUT, {}, session), { ok: true, error: null, logoutUrl: null })
})
