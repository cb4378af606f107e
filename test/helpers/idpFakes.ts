import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { after } from 'node:test'
import { decodeProtectedHeader, exportJWK, generateKeyPair, importSPKI, jwtVerify, SignJWT, type JWK } from 'jose'

// Small fakes of Apple's and Facebook's sign-in endpoints on loopback (node:http), for tests of
// "sign in with Apple / Facebook" over our API. Each does what the real service does at the
// points our server touches: Apple is an OpenID provider (discovery, JWKS, a token endpoint that
// takes an ES256 client secret signed with the team's key, RS256 ID tokens with email_verified as
// the string "true", the name only in the first sign-in's posted `user` field); Facebook is plain
// OAuth 2 (a token endpoint with a client secret, then the Graph API's /me). There is no browser:
// `authorize(authUrl, user)` plays the person consenting and returns what the browser would bring
// back (Apple's posted form fields, Facebook's redirect URL). Codes are one-use and PKCE (S256)
// is required by both. Refusals are counted, and their reasons kept, for the tests to assert.

export interface AppleUser {
  sub: string
  email: string
  emailVerified: boolean
  firstName?: string
  lastName?: string
}

/** What Apple POSTs to redirect_uri (response_mode=form_post). `user` only on the first sign-in of that sub. */
export interface AppleFormPost {
  code: string
  state: string
  user?: string
}

export interface AppleFake {
  /** Apple's issuer (http://127.0.0.1:PORT): the configuration's `url`. */
  url: string
  clientId: string
  teamId: string
  keyId: string
  /** Checks the authorization request as Apple would, and returns the fields it would post back. Throws on what Apple refuses. */
  authorize(authUrl: string, user: AppleUser): AppleFormPost
  /** Client secrets (ES256 JWTs) that verified against the team's key. */
  readonly secretsAccepted: number
  /** Token requests refused, with the reason, e.g. 'invalid_client: signature'. */
  readonly refusals: readonly string[]
  /** The raw form of every token request, in order. */
  readonly tokenRequests: readonly URLSearchParams[]
  stop(): Promise<void>
}

export interface AppleFakeOptions {
  /** The public half of the team's key (SPKI PEM), which the client secret must be signed with. */
  teamPublicKey: string
  clientId?: string
  teamId?: string
  keyId?: string
  /** The Services ID's registered return URLs. Default: ['https://app.example/callback/apple']. */
  redirectUris?: string[]
}

export interface FacebookUser {
  id: string
  name: string
  email: string
}

export interface FacebookFake {
  /** http://127.0.0.1:PORT */
  url: string
  clientId: string
  clientSecret: string
  /** The configuration's authorizationEndpoint, tokenEndpoint and graphUrl. */
  authorizationEndpoint: string
  tokenEndpoint: string
  graphUrl: string
  /** Checks the dialog request as Facebook would and returns the URL it redirects the browser to. Throws on what it refuses. */
  authorize(authUrl: string, user: FacebookUser): string
  /** When set, the Graph API answers every request with this HTTP status (and an error body). */
  graphFailure: number | null
  /** Token and Graph API requests refused, with the reason. */
  readonly refusals: readonly string[]
  readonly tokenRequests: readonly URLSearchParams[]
  readonly graphRequests: number
  stop(): Promise<void>
}

export interface FacebookFakeOptions {
  clientId?: string
  clientSecret?: string
  /** The app's valid OAuth redirect URIs. Default: ['https://app.example/callback/facebook']. */
  redirectUris?: string[]
}

const running = new Set<{ stop(): Promise<void> }>()
after(async () => { await Promise.all([...running].map((fake) => fake.stop())) })

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url')
const newCode = () => randomBytes(24).toString('base64url')

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers })
  res.end(JSON.stringify(body))
}

async function formOf(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

async function listen(handle: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake.invalid')
    handle(req, res, url).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: 'server_error', error_description: error instanceof Error ? error.message : String(error) })
      else res.end()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return { server, base: `http://127.0.0.1:${(server.address() as { port: number }).port}` }
}

function stopper(server: Server, fake: { stop(): Promise<void> }) {
  let stopped: Promise<void> | undefined
  return () => (stopped ??= new Promise<void>((resolve) => {
    running.delete(fake)
    server.close(() => resolve())
    server.closeAllConnections()
  }))
}

/** The query of an authorization URL, with a check that it goes to `endpoint`. */
function authorizationQuery(authUrl: string, endpoint: string, who: string): URLSearchParams {
  const url = new URL(authUrl)
  const expected = new URL(endpoint)
  if (url.origin !== expected.origin || url.pathname !== expected.pathname) throw new Error(`${who}: authUrl ${url.origin}${url.pathname} is not ${endpoint}`)
  return url.searchParams
}

function requireParam(query: URLSearchParams, name: string, who: string): string {
  const value = query.get(name)
  if (!value) throw new Error(`${who}: the authorization request has no ${name}`)
  return value
}

interface AppleGrant {
  clientId: string
  redirectUri: string
  codeChallenge: string
  nonce: string | null
  scope: string[]
  user: AppleUser
  expiresAt: number
  used: boolean
}

export async function startAppleFake(options: AppleFakeOptions): Promise<AppleFake> {
  const clientId = options.clientId ?? 'com.example.app.signin'
  const teamId = options.teamId ?? 'TEAM123456'
  const keyId = options.keyId ?? 'KEY1234567'
  const redirectUris = options.redirectUris ?? ['https://app.example/callback/apple']
  const teamKey = await importSPKI(options.teamPublicKey, 'ES256')
  const signing = await generateKeyPair('RS256', { extractable: true })
  const kid = randomUUID()
  const publicJwk: JWK = { ...(await exportJWK(signing.publicKey)), kid, alg: 'RS256', use: 'sig' }
  const grants = new Map<string, AppleGrant>()
  /** Subs that have signed in to this client before: Apple sends the name only the first time. */
  const seen = new Set<string>()
  const refusals: string[] = []
  const tokenRequests: URLSearchParams[] = []
  let secretsAccepted = 0

  const { server, base } = await listen(async (req, res, url) => {
    if (req.method === 'GET' && url.pathname === '/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer: base,
        authorization_endpoint: `${base}/auth/authorize`,
        token_endpoint: `${base}/auth/token`,
        revocation_endpoint: `${base}/auth/revoke`,
        jwks_uri: `${base}/auth/keys`,
        response_types_supported: ['code'],
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid', 'email', 'name'],
        token_endpoint_auth_methods_supported: ['client_secret_post'],
        claims_supported: ['aud', 'email', 'email_verified', 'exp', 'iat', 'is_private_email', 'iss', 'nonce', 'nonce_supported', 'real_user_status', 'sub'],
      })
    }
    if (req.method === 'GET' && url.pathname === '/auth/keys') return json(res, 200, { keys: [publicJwk] })
    if (req.method === 'POST' && url.pathname === '/auth/token') {
      const form = await formOf(req)
      tokenRequests.push(form)
      const refuse = (error: string, reason: string) => {
        refusals.push(`${error}: ${reason}`)
        return json(res, 400, { error })
      }
      if (form.get('grant_type') !== 'authorization_code') return refuse('unsupported_grant_type', `grant_type ${form.get('grant_type')}`)
      if (form.get('client_id') !== clientId) return refuse('invalid_client', `client_id ${form.get('client_id')}`)
      const secretProblem = await checkClientSecret(form.get('client_secret'))
      if (secretProblem) return refuse('invalid_client', secretProblem)
      secretsAccepted++
      const code = form.get('code') ?? ''
      const grant = grants.get(code)
      if (!grant) return refuse('invalid_grant', 'unknown code')
      if (grant.used) return refuse('invalid_grant', 'code already used')
      grant.used = true
      if (grant.expiresAt < Date.now()) return refuse('invalid_grant', 'code expired')
      if (grant.clientId !== form.get('client_id')) return refuse('invalid_grant', 'code issued to another client')
      if (grant.redirectUri !== form.get('redirect_uri')) return refuse('invalid_grant', `redirect_uri ${form.get('redirect_uri')} is not ${grant.redirectUri}`)
      const verifier = form.get('code_verifier')
      if (!verifier || s256(verifier) !== grant.codeChallenge) return refuse('invalid_grant', 'code_verifier does not match code_challenge')
      const now = Math.floor(Date.now() / 1000)
      const accessToken = randomBytes(24).toString('base64url')
      const claims: Record<string, unknown> = {
        sub: grant.user.sub,
        at_hash: createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url'),
        auth_time: now,
        nonce_supported: true,
        ...grant.nonce ? { nonce: grant.nonce } : {},
        ...grant.scope.includes('email') ? {
          email: grant.user.email,
          // Apple sends these as strings.
          email_verified: String(grant.user.emailVerified),
          is_private_email: 'false',
        } : {},
      }
      const idToken = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid })
        .setIssuer(base)
        .setAudience(clientId)
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(signing.privateKey)
      return json(res, 200, {
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: randomBytes(24).toString('base64url'),
        id_token: idToken,
      })
    }
    json(res, 404, { error: 'not_found' })
  })

  /** Why Apple would refuse this client secret, or null: an ES256 JWT of the team's key, for this client and Apple, short-lived. */
  async function checkClientSecret(secret: string | null): Promise<string | null> {
    if (!secret) return 'no client_secret'
    try {
      const header = decodeProtectedHeader(secret)
      if (header.alg !== 'ES256') return `client_secret alg ${header.alg}`
      if (header.kid !== keyId) return `client_secret kid ${header.kid}`
      const { payload } = await jwtVerify(secret, teamKey, { algorithms: ['ES256'], issuer: teamId, subject: clientId, audience: base, requiredClaims: ['iat', 'exp'] })
      const now = Math.floor(Date.now() / 1000)
      if (payload.exp! - now > 600) return `client_secret expires in ${payload.exp! - now} s (more than 10 minutes)`
      return null
    } catch (error) {
      return `client_secret: ${(error as { code?: string }).code ?? (error as Error).message}`
    }
  }

  const fake: AppleFake = {
    url: base,
    clientId,
    teamId,
    keyId,
    get secretsAccepted() { return secretsAccepted },
    refusals,
    tokenRequests,
    stop: () => stop(),
    authorize(authUrl, user) {
      const who = 'apple fake'
      const query = authorizationQuery(authUrl, `${base}/auth/authorize`, who)
      if (query.get('client_id') !== clientId) throw new Error(`${who}: invalid_client (client_id ${query.get('client_id')})`)
      const redirectUri = requireParam(query, 'redirect_uri', who)
      if (!redirectUris.includes(redirectUri)) throw new Error(`${who}: invalid_request (redirect_uri ${redirectUri} is not registered)`)
      if (query.get('response_type') !== 'code') throw new Error(`${who}: unsupported_response_type ${query.get('response_type')}`)
      const scope = (query.get('scope') ?? '').split(' ').filter(Boolean)
      // Apple refuses a request for the name or email unless the answer is posted.
      if ((scope.includes('name') || scope.includes('email')) && query.get('response_mode') !== 'form_post') {
        throw new Error(`${who}: invalid_request (response_mode must be form_post when name or email are requested, got ${query.get('response_mode')})`)
      }
      const state = requireParam(query, 'state', who)
      const codeChallenge = requireParam(query, 'code_challenge', who)
      if (query.get('code_challenge_method') !== 'S256') throw new Error(`${who}: code_challenge_method must be S256`)
      const code = newCode()
      grants.set(code, { clientId, redirectUri, codeChallenge, nonce: query.get('nonce'), scope, user, expiresAt: Date.now() + 300_000, used: false })
      const fields: AppleFormPost = { code, state }
      if (!seen.has(user.sub)) {
        seen.add(user.sub)
        const userField: Record<string, unknown> = {}
        if (scope.includes('name')) userField.name = { firstName: user.firstName ?? '', lastName: user.lastName ?? '' }
        if (scope.includes('email')) userField.email = user.email
        if (Object.keys(userField).length > 0) fields.user = JSON.stringify(userField)
      }
      return fields
    },
  }
  const stop = stopper(server, fake)
  running.add(fake)
  return fake
}

interface FacebookGrant {
  redirectUri: string
  codeChallenge: string
  user: FacebookUser
  expiresAt: number
  used: boolean
}

/** Facebook's error body: not OAuth 2's `{ error: "..." }` but an object. */
const facebookError = (message: string, code: number, subcode?: number) => ({
  error: { message, type: 'OAuthException', code, ...subcode ? { error_subcode: subcode } : {}, fbtrace_id: randomBytes(8).toString('base64url') },
})

export async function startFacebookFake(options: FacebookFakeOptions = {}): Promise<FacebookFake> {
  const clientId = options.clientId ?? '1234567890123456'
  const clientSecret = options.clientSecret ?? randomBytes(16).toString('hex')
  const redirectUris = options.redirectUris ?? ['https://app.example/callback/facebook']
  const grants = new Map<string, FacebookGrant>()
  const accessTokens = new Map<string, FacebookUser>()
  const refusals: string[] = []
  const tokenRequests: URLSearchParams[] = []
  let graphRequests = 0

  const { server, base } = await listen(async (req, res, url) => {
    if (req.method === 'POST' && url.pathname === '/oauth/access_token') {
      const form = await formOf(req)
      tokenRequests.push(form)
      const refuse = (reason: string, body: unknown) => {
        refusals.push(`token: ${reason}`)
        return json(res, 400, body)
      }
      if (form.get('client_id') !== clientId) return refuse('client_id', facebookError('Error validating application. Invalid application ID.', 101))
      if (form.get('client_secret') !== clientSecret) return refuse('client_secret', facebookError('Error validating client secret.', 1))
      if (form.get('grant_type') !== null && form.get('grant_type') !== 'authorization_code') {
        return refuse('grant_type', facebookError(`Invalid grant_type: '${form.get('grant_type')}'. Supported types: authorization_code, client_credentials`, 100))
      }
      const grant = grants.get(form.get('code') ?? '')
      if (!grant) return refuse('unknown code', facebookError('Invalid verification code format.', 100))
      if (grant.used) return refuse('code used', facebookError('This authorization code has been used.', 100, 36009))
      grant.used = true
      if (grant.expiresAt < Date.now()) return refuse('code expired', facebookError('This authorization code has expired.', 100, 36007))
      if (form.get('redirect_uri') !== grant.redirectUri) {
        return refuse(`redirect_uri ${form.get('redirect_uri')} is not ${grant.redirectUri}`,
          facebookError('Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request', 100, 36008))
      }
      const verifier = form.get('code_verifier')
      if (!verifier || s256(verifier) !== grant.codeChallenge) return refuse('code_verifier', facebookError('Invalid code verifier.', 100))
      const accessToken = randomBytes(32).toString('base64url')
      accessTokens.set(accessToken, grant.user)
      return json(res, 200, { access_token: accessToken, token_type: 'bearer', expires_in: 5_183_944 })
    }
    if (req.method === 'GET' && url.pathname === '/me') {
      graphRequests++
      if (fake.graphFailure !== null) {
        refusals.push(`graph: failing with ${fake.graphFailure}`)
        return json(res, fake.graphFailure, facebookError('An unexpected error has occurred. Please retry your request later.', 2))
      }
      const authorization = req.headers.authorization ?? ''
      const token = /^Bearer (.+)$/i.exec(authorization)?.[1] ?? url.searchParams.get('access_token')
      const user = token ? accessTokens.get(token) : undefined
      if (!user) {
        refusals.push('graph: invalid access token')
        return json(res, 401, facebookError('Invalid OAuth access token - Cannot parse access token', 190),
          { 'www-authenticate': 'OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token - Cannot parse access token"' })
      }
      const fields = (url.searchParams.get('fields') ?? 'id,name').split(',').map((f) => f.trim())
      const body: Record<string, string> = { id: user.id }
      for (const field of fields) if (field === 'name' || field === 'email') body[field] = user[field]
      return json(res, 200, body)
    }
    json(res, 404, facebookError(`Unknown path components: ${url.pathname}`, 2500))
  })

  const fake: FacebookFake = {
    url: base,
    clientId,
    clientSecret,
    authorizationEndpoint: `${base}/dialog/oauth`,
    tokenEndpoint: `${base}/oauth/access_token`,
    graphUrl: `${base}/me`,
    graphFailure: null,
    refusals,
    tokenRequests,
    get graphRequests() { return graphRequests },
    stop: () => stop(),
    authorize(authUrl, user) {
      const who = 'facebook fake'
      const query = authorizationQuery(authUrl, `${base}/dialog/oauth`, who)
      if (query.get('client_id') !== clientId) throw new Error(`${who}: Invalid App ID (client_id ${query.get('client_id')})`)
      const redirectUri = requireParam(query, 'redirect_uri', who)
      if (!redirectUris.includes(redirectUri)) throw new Error(`${who}: URL blocked (redirect_uri ${redirectUri} is not a valid OAuth redirect URI)`)
      const state = requireParam(query, 'state', who)
      const codeChallenge = requireParam(query, 'code_challenge', who)
      if (query.get('code_challenge_method') !== 'S256') throw new Error(`${who}: code_challenge_method must be S256`)
      const code = newCode()
      grants.set(code, { redirectUri, codeChallenge, user, expiresAt: Date.now() + 600_000, used: false })
      const back = new URL(redirectUri)
      back.searchParams.set('code', code)
      back.searchParams.set('state', state)
      // Facebook appends this fragment to every redirect back.
      back.hash = '_=_'
      return back.href
    },
  }
  const stop = stopper(server, fake)
  running.add(fake)
  return fake
}
