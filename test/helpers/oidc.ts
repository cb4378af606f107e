import { AsyncLocalStorage } from 'node:async_hooks'
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { after } from 'node:test'
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import type { Adapter, AdapterPayload, Configuration, Provider } from 'oidc-provider'

// A real OpenID provider (oidc-provider) on loopback for tests of "sign in with an identity
// provider": one confidential client, accounts the test controls, and a scripted browser
// (`authorize`) that logs in and consents without any form.

export interface OidcAccount {
  sub: string
  email?: string
  email_verified?: boolean
  name?: string
  groups?: string[]
  [claim: string]: unknown
}

export interface OidcHarness {
  /** e.g. http://127.0.0.1:PORT (discovery at `${issuer}/.well-known/openid-configuration`). */
  issuer: string
  clientId: string
  clientSecret: string
  /** The first registered redirect URI (never fetched by the harness). */
  redirectUri: string
  redirectUris: string[]
  /** Accounts by sub; add, change or delete at will (read on every login and token request). */
  accounts: Map<string, OidcAccount>
  /**
   * Plays the browser: GETs `authUrl` (with a fresh cookie jar), logs in as `sub` and consents,
   * follows the redirects and returns the final redirect to a registered redirect URI (with `code`
   * and `state`, or `error`) WITHOUT fetching it. A `sub` missing from `accounts` is refused with
   * `error=access_denied`. Throws when the provider answers with anything but such a redirect
   * (e.g. an error page for an unknown client or redirect_uri).
   */
  authorize(authUrl: string, sub: string): Promise<string>
  /** Signs with a new key (new kid) from now on; the JWKS then holds only that key. */
  rotateKeys(): Promise<void>
  /**
   * Signs with a new key from now on while the JWKS goes on publishing only the key it published
   * before: ID tokens as a forger would make them. With `sameKid` the new key takes the kid the
   * JWKS publishes (a token naming a published kid, signed by another key); otherwise it has a
   * kid of its own that the JWKS never names. rotateKeys() ends it.
   */
  signWithUnpublishedKey(options?: { sameKid?: boolean }): Promise<void>
  /** The kid the provider signs with now. */
  readonly kid: string
  stop(): Promise<void>
}

export interface OidcProviderOptions {
  idTokenTtlSeconds?: number
  clientId?: string
  clientSecret?: string
  /** Default: ['http://127.0.0.1:9/callback']. */
  redirectUris?: string[]
  /**
   * The provider's time in milliseconds (like Date.now), e.g. `() => Date.now() - 7_200_000` to
   * issue ID tokens that are already expired. Applied to the provider's request handling only.
   */
  clock?: () => number
  accounts?: OidcAccount[]
}

const LOGIN_HEADER = 'x-oidc-harness-login'

const harnesses = new Set<OidcHarness>()
after(async () => { await Promise.all([...harnesses].map((h) => h.stop())) })

// oidc-provider reads the time only through Date.now() (helpers/epoch_time.js and a few more),
// so a clock is applied by patching Date.now once, to consult an AsyncLocalStorage that only
// the provider's request handling runs in: everything else in the process keeps the real time.
const clockStore = new AsyncLocalStorage<() => number>()
const realNow = Date.now
let clockUsers = 0
const patchedNow = () => {
  const clock = clockStore.getStore()
  // exit() so that a clock calling Date.now() itself gets the real time, not itself.
  return clock ? clockStore.exit(clock) : realNow.call(Date)
}
function acquireClock() {
  if (clockUsers++ === 0) Date.now = patchedNow
}
function releaseClock() {
  if (--clockUsers === 0 && Date.now === patchedNow) Date.now = realNow
}

// oidc-provider prints notices with console.warn/info (not `debug`): at import time on Node 20
// ("Unsupported runtime. Use Node.js v22.x LTS") and at construction for dev-only defaults.
let quietDepth = 0
const loud = { warn: console.warn, info: console.info }
async function quietly<T>(work: () => Promise<T> | T): Promise<T> {
  if (quietDepth++ === 0) {
    Object.assign(loud, { warn: console.warn, info: console.info })
    const filter = (log: (...args: unknown[]) => void) => (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('oidc-provider ')) return
      log(...args)
    }
    console.warn = filter(loud.warn)
    console.info = filter(loud.info)
  }
  try {
    return await work()
  } finally {
    if (--quietDepth === 0) Object.assign(console, loud)
  }
}

let providerClass: Promise<typeof Provider> | undefined
const loadProvider = () => (providerClass ??= quietly(async () => (await import('oidc-provider')).default))

// A small in-memory adapter (the built-in one warns, and is shared by every provider in the
// process). Kept across key rotations, so sessions, grants and codes survive them.
type Stored = { payload: AdapterPayload; expiresAt: number }
function memoryAdapter() {
  const store = new Map<string, Stored>()
  const sessionUids = new Map<string, string>()
  const live = (key: string) => {
    const entry = store.get(key)
    if (entry && entry.expiresAt <= Date.now()) {
      store.delete(key)
      return undefined
    }
    return entry?.payload
  }
  return (model: string): Adapter => {
    const key = (id: string) => `${model}:${id}`
    return {
      async upsert(id, payload, expiresIn) {
        store.set(key(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity })
        if (model === 'Session' && payload.uid) sessionUids.set(payload.uid, id)
      },
      async find(id) { return live(key(id)) },
      async findByUid(uid) {
        const id = sessionUids.get(uid)
        return id === undefined ? undefined : live(key(id))
      },
      async findByUserCode() { return undefined },
      async consume(id) {
        const payload = live(key(id))
        if (payload) payload.consumed = Math.floor(Date.now() / 1000)
      },
      async destroy(id) { store.delete(key(id)) },
      async revokeByGrantId(grantId) {
        for (const [k, entry] of store) if (entry.payload.grantId === grantId) store.delete(k)
      },
    }
  }
}

async function newSigningKey(kid: string = randomUUID()): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  return { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' }
}

/** What a JWKS publishes of an RSA signing key. */
const publicPart = ({ d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...rest }: JWK): JWK => rest

/** oidc-provider's default path of the JWKS (routes.jwks). */
const JWKS_PATH = '/jwks'

// A cookie jar good enough for oidc-provider: per host, by name and path, honouring deletion.
// `now` is the provider's time, which its cookies' Expires are computed from.
type Cookie = { host: string; name: string; value: string; path: string }
function cookieJar(now: () => number) {
  const cookies: Cookie[] = []
  return {
    store(url: URL, setCookies: string[]) {
      for (const line of setCookies) {
        const [pair = '', ...attributes] = line.split(';')
        const eq = pair.indexOf('=')
        if (eq <= 0) continue
        const name = pair.slice(0, eq).trim()
        const value = pair.slice(eq + 1).trim()
        let path = '/'
        let expired = false
        for (const attribute of attributes) {
          const [k = '', v = ''] = attribute.split('=', 2).map((s) => s.trim())
          if (k.toLowerCase() === 'path' && v.startsWith('/')) path = v
          if (k.toLowerCase() === 'max-age' && Number(v) <= 0) expired = true
          if (k.toLowerCase() === 'expires' && Date.parse(v) <= now()) expired = true
        }
        const at = cookies.findIndex((c) => c.host === url.host && c.name === name && c.path === path)
        if (at >= 0) cookies.splice(at, 1)
        if (!expired) cookies.push({ host: url.host, name, value, path })
      }
    },
    header(url: URL) {
      return cookies
        .filter((c) => c.host === url.host && (url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)))
        .map((c) => `${c.name}=${c.value}`)
        .join('; ')
    },
  }
}

function readBody(response: Response) {
  return response.text().then((text) => text.slice(0, 500), () => '')
}

export async function startOidcProvider(options: OidcProviderOptions = {}): Promise<OidcHarness> {
  const ProviderClass = await loadProvider()
  const clientId = options.clientId ?? 'test-client'
  const clientSecret = options.clientSecret ?? randomBytes(24).toString('base64url')
  const redirectUris = options.redirectUris ?? ['http://127.0.0.1:9/callback']
  const redirectUri = redirectUris[0]
  if (!redirectUri) throw new Error('startOidcProvider: redirectUris must not be empty')
  const accounts = new Map<string, OidcAccount>((options.accounts ?? []).map((a) => [a.sub, a]))
  const adapter = memoryAdapter()
  const cookieKeys = [randomBytes(32).toString('base64url')]
  const clock = options.clock

  let provider: Provider | undefined
  let providerCallback: ((req: IncomingMessage, res: ServerResponse) => unknown) | undefined
  let kid = ''
  let signingKey: JWK | undefined
  /** While set (signWithUnpublishedKey), the JWKS answered instead of the provider's own. */
  let publishedInstead: JWK[] | undefined

  const interaction = async (req: IncomingMessage, res: ServerResponse, current: Provider) => {
    const details = await current.interactionDetails(req, res)
    const header = req.headers[LOGIN_HEADER]
    const sub = typeof header === 'string' ? decodeURIComponent(header) : undefined
    if (sub === undefined || !accounts.has(sub)) {
      await current.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: sub === undefined ? 'no account to log in as' : `unknown account ${sub}`,
      }, { mergeWithLastSubmission: false })
      return
    }
    const { params } = details
    const requestedClientId = String(params.client_id)
    let grant = details.grantId ? await current.Grant.find(details.grantId) : undefined
    if (!grant || grant.accountId !== sub) grant = new current.Grant({ accountId: sub, clientId: requestedClientId })
    grant.addOIDCScope(typeof params.scope === 'string' ? params.scope : 'openid')
    if (typeof params.claims === 'string') {
      const claims = JSON.parse(params.claims) as { id_token?: object; userinfo?: object }
      grant.addOIDCClaims([...Object.keys(claims.id_token ?? {}), ...Object.keys(claims.userinfo ?? {})])
    }
    const grantId = await grant.save()
    await current.interactionFinished(req, res, { login: { accountId: sub }, consent: { grantId } }, { mergeWithLastSubmission: false })
  }

  const server: Server = createServer((req, res) => {
    const current = provider
    const callback = providerCallback
    if (!current || !callback) {
      res.statusCode = 503
      res.end()
      return
    }
    const handle = () => {
      if (publishedInstead && req.method === 'GET' && req.url?.split('?')[0] === JWKS_PATH) {
        res.writeHead(200, { 'content-type': 'application/jwk-set+json; charset=utf-8' })
        res.end(JSON.stringify({ keys: publishedInstead }))
        return
      }
      if (req.method === 'GET' && req.url?.startsWith('/interaction/')) {
        interaction(req, res, current).catch((error: unknown) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
          res.end(`oidc harness interaction failed: ${error instanceof Error ? error.message : String(error)}`)
        })
        return
      }
      callback(req, res)
    }
    if (clock) clockStore.run(clock, handle)
    else handle()
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`

  const ttlSeconds = (n: number) => () => n
  const configure = (signingKey: JWK): Configuration => ({
    adapter,
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      // oidc-provider v9 accepts client_secret_post from a client_secret_basic client (and vice
      // versa), so either works; openid-client v6 sends client_secret_post unless told otherwise.
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: [signingKey] },
    cookies: { keys: cookieKeys },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
    },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
    // Claims requested by scope go into the ID token too, not only to the userinfo endpoint.
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
    },
    interactions: {
      url: (_ctx, pending) => `/interaction/${pending.uid}`,
    },
    pkce: { required: () => true },
    async findAccount(_ctx, id) {
      if (!accounts.has(id)) return undefined
      return {
        accountId: id,
        // Read at claim time, so a test may change the account between login and token.
        claims: () => ({ ...accounts.get(id), sub: id }),
      }
    },
    ttl: {
      AccessToken: ttlSeconds(3600),
      AuthorizationCode: ttlSeconds(60),
      ClientCredentials: ttlSeconds(600),
      IdToken: ttlSeconds(options.idTokenTtlSeconds ?? 3600),
      Interaction: ttlSeconds(600),
      RefreshToken: ttlSeconds(3600),
      Session: ttlSeconds(3600),
      Grant: ttlSeconds(3600),
    },
    clientBasedCORS: () => true,
    renderError(ctx, out) {
      ctx.type = 'json'
      ctx.body = out
    },
  })

  const install = async (keyId?: string) => {
    const key = await newSigningKey(keyId)
    const next = await quietly(() => new ProviderClass(issuer, configure(key)))
    provider = next
    providerCallback = next.callback()
    signingKey = key
    kid = key.kid!
  }

  let stopped: Promise<void> | undefined
  const stop = () => (stopped ??= new Promise<void>((resolve) => {
    harnesses.delete(harness)
    if (clock) releaseClock()
    server.close(() => resolve())
    server.closeAllConnections()
  }))

  try {
    if (clock) acquireClock()
    await install()
  } catch (error) {
    if (clock) releaseClock()
    server.close()
    throw error
  }

  const harness: OidcHarness = {
    issuer,
    clientId,
    clientSecret,
    redirectUri,
    redirectUris,
    accounts,
    get kid() { return kid },
    async rotateKeys() {
      await install()
      publishedInstead = undefined
    },
    async signWithUnpublishedKey(options = {}) {
      publishedInstead ??= [publicPart(signingKey!)]
      await install(options.sameKid ? publishedInstead[0]!.kid : undefined)
    },
    stop,
    async authorize(authUrl, sub) {
      const jar = cookieJar(clock ?? (() => Date.now()))
      const issuerUrl = new URL(issuer)
      const isCallback = (url: URL) => redirectUris.some((uri) => {
        const target = new URL(uri)
        return url.origin === target.origin && url.pathname === target.pathname
      })
      let url = new URL(authUrl)
      for (let hop = 0; hop < 20; hop++) {
        const headers: Record<string, string> = { accept: 'text/html' }
        const cookie = jar.header(url)
        if (cookie) headers.cookie = cookie
        if (url.host === issuerUrl.host) headers[LOGIN_HEADER] = encodeURIComponent(sub)
        const response = await fetch(url, { redirect: 'manual', headers })
        jar.store(url, response.headers.getSetCookie())
        const location = response.headers.get('location')
        if (response.status < 300 || response.status >= 400 || !location) {
          throw new Error(`oidc harness: ${url.origin}${url.pathname} answered ${response.status} instead of redirecting: ${await readBody(response)}`)
        }
        await response.body?.cancel()
        const next = new URL(location, url)
        if (isCallback(next)) return next.href
        url = next
      }
      throw new Error('oidc harness: too many redirects')
    },
  }
  harnesses.add(harness)
  return harness
}
