import * as oidc from 'openid-client'
import { createRemoteJWKSet, errors as joseErrors, importPKCS8, jwtVerify, SignJWT } from 'jose'
import type { AppleConfig, FacebookConfig, IdpType, OidcConfig, ProviderConfig } from './configuration.js'
import { isLoopbackUrl } from './configuration.js'

// The three kinds of provider on one code path (openid-client): an authorization URL with state,
// nonce and a PKCE challenge; then the code exchanged and the ID token checked (signature from
// the provider's keys, issuer, audience, nonce, expiry). What they answer becomes Claims.

/** Who the provider says signed in. */
export interface Claims {
  externalIdentifier: string
  email: string | null
  emailVerified: boolean
  name: string | null
  /** Every claim, for claim mapping and `idpResponse`. */
  raw: Record<string, unknown>
  /** The ID token itself (for the provider's sign-out page); none from Facebook. */
  idToken: string | null
}

/** What the caller keeps between initSignInIDP and signInIDP (it holds no secret of ours). */
export interface SessionData {
  state: string
  nonce?: string
  codeVerifier: string
}

export class IdpError extends Error {
  constructor(readonly code: 'INVALID_IDP_RESPONSE' | 'IDP_VALIDATION_FAILED', message: string) {
    super(message)
  }
}

export interface ProviderRef {
  id: string
  type: IdpType
  config: ProviderConfig
  /** Bumped whenever the configuration changes: cached discovery is keyed by it. */
  version: string
}

const APPLE_ISSUER = 'https://appleid.apple.com'
const FACEBOOK = {
  authorizationEndpoint: 'https://www.facebook.com/v19.0/dialog/oauth',
  tokenEndpoint: 'https://graph.facebook.com/v19.0/oauth/access_token',
  graphUrl: 'https://graph.facebook.com/v19.0/me',
}

interface Discovered {
  metadata: oidc.ServerMetadata
  at: number
}

/** Discovery documents per provider (and configuration version), for `discoveryCacheSeconds`. */
const discovered = new Map<string, Discovered>()
/**
 * The keys each provider signs with (by jwks_uri), kept for 10 minutes and fetched again at once
 * when a token names a key not among them: a provider's key rotation needs no restart. (At most
 * one such fetch a second: a token comes from the provider's own token endpoint, but still.)
 */
const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>()
const keySetOf = (jwksUri: string) => {
  let set = keySets.get(jwksUri)
  if (!set) keySets.set(jwksUri, set = createRemoteJWKSet(new URL(jwksUri), { cacheMaxAge: 600_000, cooldownDuration: 1000, timeoutDuration: 5000 }))
  return set
}

const insecureIfLoopback = (url: URL) => (isLoopbackUrl(url) && url.protocol === 'http:' ? [oidc.allowInsecureRequests] : [])

async function metadataOf(provider: ProviderRef, issuer: string, clientId: string): Promise<oidc.ServerMetadata> {
  const key = `${provider.id}:${provider.version}`
  const ttl = (provider.config.discoveryCacheSeconds ?? 3600) * 1000
  const cached = discovered.get(key)
  if (cached && Date.now() - cached.at < ttl) return cached.metadata
  const url = new URL(issuer)
  try {
    const config = await oidc.discovery(url, clientId, undefined, oidc.None(), { execute: insecureIfLoopback(url), timeout: timeoutOf(provider) })
    const metadata = config.serverMetadata()
    discovered.set(key, { metadata, at: Date.now() })
    return metadata
  } catch (error) {
    throw new IdpError('INVALID_IDP_RESPONSE', `The identity provider's discovery document could not be read: ${describe(error)}`)
  }
}

const timeoutOf = (provider: ProviderRef) => Math.ceil((provider.config.timeout ?? 5000) / 1000)

/** A client configuration for this request, with the provider's keys carried over between requests. */
async function configurationOf(provider: ProviderRef): Promise<oidc.Configuration> {
  const { config } = provider
  let metadata: oidc.ServerMetadata
  let auth: oidc.ClientAuth
  if (provider.type === 'oidc') {
    const c = config as OidcConfig
    metadata = await metadataOf(provider, c.url, c.clientId)
    auth = oidc.ClientSecretBasic(c.clientSecret)
  } else if (provider.type === 'apple') {
    const c = config as AppleConfig
    metadata = await metadataOf(provider, c.url ?? APPLE_ISSUER, c.clientId)
    auth = oidc.ClientSecretPost(await appleClientSecret(c, metadata.issuer))
  } else {
    const c = config as FacebookConfig
    metadata = {
      issuer: 'https://www.facebook.com',
      authorization_endpoint: c.authorizationEndpoint ?? FACEBOOK.authorizationEndpoint,
      token_endpoint: c.tokenEndpoint ?? FACEBOOK.tokenEndpoint,
    }
    auth = oidc.ClientSecretPost(c.clientSecret)
  }
  const client = new oidc.Configuration(metadata, config.clientId, undefined, auth)
  client.timeout = timeoutOf(provider)
  const endpoints = [metadata.token_endpoint, metadata.jwks_uri, metadata.authorization_endpoint].filter((e): e is string => typeof e === 'string')
  if (endpoints.some((e) => insecureIfLoopback(new URL(e)).length > 0)) oidc.allowInsecureRequests(client)
  return client
}

/** Apple's client secret: a short-lived ES256 JWT signed with the team's key. */
async function appleClientSecret(config: AppleConfig, audience: string): Promise<string> {
  const key = await importPKCS8(config.privateKey, 'ES256')
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: config.keyId })
    .setIssuer(config.teamId)
    .setSubject(config.clientId)
    .setAudience(audience)
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(key)
}

/** Whether an Apple private key parses (at addIDP, not at the first sign-in). */
export async function checkApplePrivateKey(privateKey: string): Promise<string | null> {
  try {
    await importPKCS8(privateKey, 'ES256')
    return null
  } catch {
    return 'Invalid IDP configuration: privateKey: must be a PKCS#8 PEM EC P-256 key (Apple\'s .p8 file)'
  }
}

const scopeOf = (provider: ProviderRef) =>
  provider.config.scope ?? provider.config.claims ?? (provider.type === 'facebook' ? 'email public_profile' : provider.type === 'apple' ? 'openid name email' : 'openid email profile')

/** The URL to send the person to, and what to keep until they come back. */
export async function initAuth(provider: ProviderRef, data: { redirectUrl: string; responseMode?: string }): Promise<{ authUrl: string; sessionData: SessionData }> {
  const client = await configurationOf(provider)
  const codeVerifier = oidc.randomPKCECodeVerifier()
  const state = oidc.randomState()
  const nonce = provider.type === 'facebook' ? undefined : oidc.randomNonce()
  const parameters: Record<string, string> = {
    ...provider.config.additionalAuthorizationParameters,
    redirect_uri: data.redirectUrl,
    scope: scopeOf(provider),
    state,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    ...nonce ? { nonce } : {},
  }
  // Apple sends the name and email only with form_post.
  const responseMode = data.responseMode ?? (provider.type === 'apple' ? 'form_post' : undefined)
  if (responseMode) parameters.response_mode = responseMode
  const authUrl = oidc.buildAuthorizationUrl(client, parameters)
  return { authUrl: authUrl.href, sessionData: { state, codeVerifier, ...nonce ? { nonce } : {} } }
}

/** The callback (its URL, or the posted form's fields) checked and exchanged for who signed in. */
export async function finishAuth(provider: ProviderRef, data: { url?: string; parameters?: Record<string, string>; redirectUrl?: string; sessionData: SessionData }): Promise<Claims> {
  const callback = callbackUrl(data)
  const client = await configurationOf(provider)
  // openid-client sends the callback's address without any query as redirect_uri; a redirect URL
  // with a query of its own must go as it was registered and sent at initSignInIDP.
  const redirectUri = data.redirectUrl ?? redirectUriOf(callback)
  const tokenEndpoint = client.serverMetadata().token_endpoint
  client[oidc.customFetch] = (url, options) => {
    if (url === tokenEndpoint && options.body instanceof URLSearchParams && options.body.has('redirect_uri')) options.body.set('redirect_uri', redirectUri)
    return fetch(url, options as RequestInit)
  }
  let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>
  try {
    tokens = await oidc.authorizationCodeGrant(client, callback, {
      pkceCodeVerifier: data.sessionData.codeVerifier,
      expectedState: data.sessionData.state,
      ...data.sessionData.nonce ? { expectedNonce: data.sessionData.nonce } : {},
      idTokenExpected: provider.type !== 'facebook',
    })
  } catch (error) {
    throw mapError(error)
  }
  if (provider.type === 'facebook') return facebookClaims(provider.config as FacebookConfig, tokens.access_token)
  const idToken = tokens.claims()
  if (!idToken || !tokens.id_token) throw new IdpError('IDP_VALIDATION_FAILED', 'The identity provider returned no ID token')
  await verifySignature(client.serverMetadata(), provider.config.clientId, tokens.id_token)
  let raw: Record<string, unknown> = { ...idToken }
  if (provider.type === 'oidc' && (provider.config as OidcConfig).fetchUserInfo) {
    try {
      raw = { ...raw, ...await oidc.fetchUserInfo(client, tokens.access_token, idToken.sub) }
    } catch (error) {
      throw mapError(error)
    }
  }
  for (const key of ['nonce', 'at_hash', 'c_hash']) delete raw[key]
  if (provider.type === 'apple' && data.parameters?.user) raw.user = parseAppleUser(data.parameters.user)
  return { ...claimsOf(raw, provider.type === 'apple' ? appleName(raw.user) : null), idToken: tokens.id_token }
}

/**
 * openid-client has checked the ID token's issuer, audience, expiry and nonce; its signature is
 * checked here, against the provider's published keys, although it came over TLS.
 */
async function verifySignature(metadata: oidc.ServerMetadata, clientId: string, idToken: string): Promise<void> {
  if (!metadata.jwks_uri) throw new IdpError('IDP_VALIDATION_FAILED', 'The identity provider publishes no keys (jwks_uri)')
  try {
    await jwtVerify(idToken, keySetOf(metadata.jwks_uri), { issuer: metadata.issuer, audience: clientId, clockTolerance: 30 })
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) throw new IdpError('IDP_VALIDATION_FAILED', `The ID token's signature does not verify: ${error.code}`)
    throw new IdpError('INVALID_IDP_RESPONSE', `The identity provider's keys could not be read: ${describe(error)}`)
  }
}

function callbackUrl(data: { url?: string; parameters?: Record<string, string>; redirectUrl?: string }): URL {
  try {
    if (data.url) return new URL(data.url)
    const url = new URL(data.redirectUrl!)
    // A form_post answer (Apple): its fields as if they came in the address.
    for (const [key, value] of Object.entries(data.parameters ?? {})) if (key !== 'user') url.searchParams.set(key, value)
    return url
  } catch {
    throw new IdpError('IDP_VALIDATION_FAILED', 'url (or redirectUrl with parameters) must be the absolute URL the provider redirected to')
  }
}

/** The callback's address without what the provider added to it. */
function redirectUriOf(callback: URL): string {
  const url = new URL(callback)
  url.hash = ''
  for (const key of ['code', 'state', 'iss', 'session_state', 'error', 'error_description', 'error_uri']) url.searchParams.delete(key)
  return url.href
}

function claimsOf(raw: Record<string, unknown>, nameFromForm: string | null): Omit<Claims, 'idToken'> {
  const sub = raw.sub
  if ((typeof sub !== 'string' || sub === '') && typeof sub !== 'number') throw new IdpError('IDP_VALIDATION_FAILED', 'The ID token has no subject')
  const email = typeof raw.email === 'string' && raw.email !== '' ? raw.email.trim().toLowerCase() : null
  const name = typeof raw.name === 'string' && raw.name !== '' ? raw.name : nameFromForm
  // Apple sends email_verified as the string "true".
  const emailVerified = raw.email_verified === true || raw.email_verified === 'true'
  return { externalIdentifier: String(sub), email, emailVerified, name, raw }
}

function parseAppleUser(user: string): unknown {
  try {
    return JSON.parse(user)
  } catch {
    return null
  }
}

/** Apple sends the person's name once, in the first sign-in's form (`user`), never in the ID token. */
function appleName(user: unknown): string | null {
  const name = (user as { name?: { firstName?: unknown; lastName?: unknown } } | null)?.name
  const parts = [name?.firstName, name?.lastName].filter((part): part is string => typeof part === 'string' && part !== '')
  return parts.length > 0 ? parts.join(' ').slice(0, 200) : null
}

async function facebookClaims(config: FacebookConfig, accessToken: string): Promise<Claims> {
  const url = new URL(config.graphUrl ?? FACEBOOK.graphUrl)
  url.searchParams.set('fields', 'id,name,email')
  let body: Record<string, unknown>
  try {
    const res = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` }, signal: AbortSignal.timeout(config.timeout ?? 5000) })
    if (!res.ok) throw new IdpError('INVALID_IDP_RESPONSE', `Invalid Facebook response: [${res.status}]`)
    body = await res.json() as Record<string, unknown>
  } catch (error) {
    if (error instanceof IdpError) throw error
    throw new IdpError('INVALID_IDP_RESPONSE', `Facebook's Graph API could not be asked: ${describe(error)}`)
  }
  // Facebook gives only confirmed addresses; whether that counts as verified is the provider's option (assumeEmailVerified).
  return { ...claimsOf({ ...body, sub: body.id }, null), idToken: null }
}

/** The provider refused (an error answer): INVALID_IDP_RESPONSE; what we refused to believe: IDP_VALIDATION_FAILED. */
function mapError(error: unknown): IdpError {
  if (error instanceof IdpError) return error
  if (error instanceof oidc.AuthorizationResponseError || error instanceof oidc.ResponseBodyError) {
    return new IdpError('INVALID_IDP_RESPONSE', `The identity provider answered ${error.error}${error.error_description ? `: ${error.error_description}` : ''}`)
  }
  // A refusal not in OAuth 2's error format (Facebook's { error: { message, type, code } }, an
  // HTML page, a 5xx) is still the provider answering with an error, not ours to doubt.
  if (error instanceof oidc.ClientError && error.cause instanceof Response && !error.cause.ok) {
    return new IdpError('INVALID_IDP_RESPONSE', `The identity provider answered HTTP ${error.cause.status}`)
  }
  if (error instanceof oidc.ClientError) {
    // openid-client's messages are general ("unexpected JWT claim value encountered"); the cause names the claim.
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : ''
    return new IdpError('IDP_VALIDATION_FAILED', `${error.message}${cause}`.slice(0, 500))
  }
  return new IdpError('INVALID_IDP_RESPONSE', `The identity provider could not be asked: ${describe(error)}`)
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 300)

/**
 * The provider's own sign-out page for a session signed in through it (RP-initiated logout), or
 * null when it has none (Apple and Facebook have none).
 */
export async function endSessionUrl(provider: ProviderRef, idToken: string): Promise<string | null> {
  if (provider.type !== 'oidc') return null
  const config = provider.config as OidcConfig
  const metadata = await metadataOf(provider, config.url, config.clientId)
  if (!metadata.end_session_endpoint) return null
  const client = new oidc.Configuration(metadata, config.clientId)
  if (insecureIfLoopback(new URL(metadata.end_session_endpoint)).length > 0) oidc.allowInsecureRequests(client)
  return oidc.buildEndSessionUrl(client, {
    id_token_hint: idToken,
    ...config.postLogoutRedirectUri ? { post_logout_redirect_uri: config.postLogoutRedirectUri } : {},
  }).href
}

/** Forgets a provider's cached discovery (its configuration changed); keys stay cached by their URL. */
export function forgetProvider(id: string): void {
  for (const key of discovered.keys()) if (key.startsWith(`${id}:`)) discovered.delete(key)
}
