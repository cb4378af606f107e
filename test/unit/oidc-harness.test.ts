import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import * as client from 'openid-client'
import { startOidcProvider, type OidcHarness } from '../helpers/oidc.js'

// Self-test of the loopback OpenID provider (test/helpers/oidc.ts), driven by openid-client v6
// the way a relying party would: discovery, authorization code + PKCE, token exchange.

const alice = { sub: 'alice', email: 'alice@example.com', email_verified: true, name: 'Alice Example', groups: ['admins', 'staff'] }

const discover = (harness: OidcHarness, auth: 'basic' | 'post' = 'basic') => client.discovery(
  new URL(harness.issuer),
  harness.clientId,
  harness.clientSecret,
  // openid-client v6 defaults to client_secret_post when given a secret; the harness client is
  // registered for client_secret_basic unless told otherwise.
  auth === 'basic' ? client.ClientSecretBasic(harness.clientSecret) : undefined,
  { execute: [client.allowInsecureRequests] },
)

async function signIn(harness: OidcHarness, config: client.Configuration, sub: string) {
  const pkceCodeVerifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const nonce = client.randomNonce()
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: harness.redirectUri,
    scope: 'openid email profile groups',
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  })
  const callback = await harness.authorize(url.href, sub)
  return client.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true })
}

test('authorization code + PKCE flow gives an ID token with the account claims', async () => {
  const harness = await startOidcProvider({ accounts: [alice] })
  try {
    const config = await discover(harness)
    assert.equal(config.serverMetadata().issuer, harness.issuer)
    const tokens = await signIn(harness, config, 'alice')
    const claims = tokens.claims()
    assert.ok(claims)
    assert.equal(claims.sub, 'alice')
    assert.equal(claims.email, 'alice@example.com')
    assert.equal(claims.email_verified, true)
    assert.equal(claims.name, 'Alice Example')
    assert.deepEqual(claims.groups, ['admins', 'staff'])
    assert.equal(claims.aud, harness.clientId)
    assert.equal(claims.exp - claims.iat, 3600)
    assert.equal(decodeProtectedHeader(tokens.id_token!).kid, harness.kid)
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, 'alice')
    assert.deepEqual(userinfo, { sub: 'alice', email: 'alice@example.com', email_verified: true, name: 'Alice Example', groups: ['admins', 'staff'] })

    // Accounts are read at login time: a new account and a changed one work without a restart.
    harness.accounts.set('bob', { sub: 'bob', email: 'bob@example.com', groups: [] })
    harness.accounts.set('alice', { ...alice, groups: ['staff'] })
    assert.deepEqual((await signIn(harness, config, 'bob')).claims()?.email, 'bob@example.com')
    assert.deepEqual((await signIn(harness, config, 'alice')).claims()?.groups, ['staff'])
  } finally {
    await harness.stop()
  }
})

test('unknown account: the provider redirects back with error=access_denied', async () => {
  const harness = await startOidcProvider({ accounts: [alice] })
  try {
    const config = await discover(harness)
    const state = client.randomState()
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: harness.redirectUri,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state,
    })
    const callback = new URL(await harness.authorize(url.href, 'mallory'))
    assert.equal(callback.origin + callback.pathname, harness.redirectUri)
    assert.equal(callback.searchParams.get('error'), 'access_denied')
    assert.equal(callback.searchParams.get('state'), state)
    assert.equal(callback.searchParams.get('code'), null)
    await assert.rejects(
      client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: 'x'.repeat(43), expectedState: state }),
      (error: unknown) => error instanceof client.AuthorizationResponseError && error.error === 'access_denied',
    )

    // A redirect_uri that is not registered gets an error page, never a redirect.
    const bad = new URL(url)
    bad.searchParams.set('redirect_uri', 'http://127.0.0.1:9/elsewhere')
    await assert.rejects(harness.authorize(bad.href, 'alice'), /answered 400.*redirect_uri/)
  } finally {
    await harness.stop()
  }
})

test('the client accepts client_secret_basic and client_secret_post (openid-client\'s default)', async () => {
  const harness = await startOidcProvider({ accounts: [alice] })
  try {
    assert.equal((await signIn(harness, await discover(harness, 'post'), 'alice')).claims()?.sub, 'alice')
    assert.equal((await signIn(harness, await discover(harness, 'basic'), 'alice')).claims()?.sub, 'alice')
    const wrong = await client.discovery(new URL(harness.issuer), harness.clientId, 'wrong secret', undefined, { execute: [client.allowInsecureRequests] })
    await assert.rejects(signIn(harness, wrong, 'alice'), (error: unknown) => error instanceof client.ResponseBodyError && error.error === 'invalid_client')
  } finally {
    await harness.stop()
  }
})

test('key rotation: new kid, old key gone; what openid-client does with it', async (t) => {
  const harness = await startOidcProvider({ accounts: [alice] })
  try {
    // `verified` checks ID token signatures against the JWKS (not done by default, see below).
    const verified = await discover(harness)
    client.enableNonRepudiationChecks(verified)
    const plain = await discover(harness)
    const before = await signIn(harness, verified, 'alice')
    await signIn(harness, plain, 'alice')
    const oldKid = harness.kid
    assert.equal(decodeProtectedHeader(before.id_token!).kid, oldKid)

    await harness.rotateKeys()
    assert.notEqual(harness.kid, oldKid)
    const jwks = await (await fetch(verified.serverMetadata().jwks_uri!)).json() as { keys: Array<{ kid: string; d?: string }> }
    assert.deepEqual(jwks.keys.map((k) => k.kid), [harness.kid])
    assert.equal(jwks.keys[0]!.d, undefined, 'only the public key is published')

    // A fresh discovery (new Configuration) fetches the new JWKS and verifies the new signature.
    const fresh = await discover(harness)
    client.enableNonRepudiationChecks(fresh)
    const after = await signIn(harness, fresh, 'alice')
    assert.equal(decodeProtectedHeader(after.id_token!).kid, harness.kid)
    assert.equal(after.claims()?.email, 'alice@example.com')

    // Without enableNonRepudiationChecks openid-client never looks at the signature (the ID token
    // comes straight from the token endpoint), so an old Configuration does not notice rotation.
    assert.equal((await signIn(harness, plain, 'alice')).claims()?.sub, 'alice')

    // With it, the old Configuration has the old JWKS cached: an unknown kid refetches the JWKS
    // only when the cached copy is at least 60 s old (the whole cache expires after 300 s) ...
    await assert.rejects(signIn(harness, verified, 'alice'), (error: unknown) => {
      assert.ok(error instanceof client.ClientError)
      assert.equal(error.code, 'OAUTH_KEY_SELECTION_FAILED')
      return true
    })
    // ... so a minute later it picks the new key up by itself.
    const realNow = Date.now
    t.mock.method(Date, 'now', () => realNow.call(Date) + 61_000)
    assert.equal((await signIn(harness, verified, 'alice')).claims()?.sub, 'alice')
  } finally {
    await harness.stop()
  }
})

test('clock: the provider issues tokens on its own time, the rest of the process is untouched', async () => {
  const twoHoursAgo = () => Date.now() - 2 * 3600_000
  const harness = await startOidcProvider({ accounts: [alice], clock: twoHoursAgo, idTokenTtlSeconds: 60 })
  try {
    const config = await discover(harness)
    const pkceCodeVerifier = client.randomPKCECodeVerifier()
    const state = client.randomState()
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: harness.redirectUri,
      scope: 'openid email',
      code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
      code_challenge_method: 'S256',
      state,
    })
    assert.ok(Math.abs(Date.now() - new Date().getTime()) < 1000, 'Date.now outside the provider is real')
    const callback = await harness.authorize(url.href, 'alice')
    // Catch the token response to look at the ID token openid-client refuses.
    let idToken: string | undefined
    config[client.customFetch] = async (url, init) => {
      const response = await fetch(url, init as RequestInit)
      idToken = (await response.clone().json() as { id_token?: string }).id_token
      return response
    }
    await assert.rejects(
      client.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier, expectedState: state }),
      (error: unknown) => {
        // openid-client wraps oauth4webapi's error, which names the claim (cause.cause.claim).
        assert.ok(error instanceof client.ClientError)
        assert.equal(error.code, 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED')
        assert.match((error.cause as Error).message, /"exp" \(expiration time\)/)
        return true
      },
    )
    const claims = decodeJwt(idToken!)
    const expectedIat = Math.floor(twoHoursAgo() / 1000)
    assert.ok(Math.abs(claims.iat! - expectedIat) < 5, `iat ${claims.iat} near ${expectedIat}`)
    assert.equal(claims.exp! - claims.iat!, 60)
  } finally {
    await harness.stop()
  }
})
