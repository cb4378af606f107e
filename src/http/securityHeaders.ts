import type { FastifyInstance } from 'fastify'
import helmet, { type HelmetOptions } from 'helmet'
import { graphiqlContentSecurityPolicy } from './graphiql.js'

/** Answers that carry identities, tokens and sessions: no browser or proxy may keep a copy. */
const NO_STORE_ROUTES = new Set(['/tenant', '/introspect'])

// The API answers JSON, never a document: the headers that only matter for pages (or for
// Internet Explorer and Flash) are left off its answers, saving 6 of 12 headers on every one.
const PAGE_ONLY = {
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
} as const

const COMMON = {
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  // Only reachable from other origins through CORS (when CORS_ORIGINS allows it), never embedded.
  crossOriginResourcePolicy: { policy: 'same-origin' },
} as const satisfies HelmetOptions

const API: HelmetOptions = {
  ...COMMON,
  ...PAGE_ONLY,
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
}

/** GraphiQL's page and assets: helmet's full set, with the page's own policy. */
const PAGE: HelmetOptions = { ...COMMON, contentSecurityPolicy: graphiqlContentSecurityPolicy }

/**
 * The headers helmet sets for these options. None of ours depends on the request (no nonces),
 * so helmet runs once, against a response that only records what it is given, and every
 * answer gets a copy of the result: running its middleware per request (as @fastify/helmet
 * does, rebuilding it each time) cost several percent of the server's time under load.
 */
export function helmetHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {}
  const recorder = {
    setHeader: (name: string, value: unknown) => { headers[name.toLowerCase()] = String(value) },
    removeHeader: (name: string) => { delete headers[name.toLowerCase()] },
  }
  let failure: unknown = null
  let done = false
  helmet(options)({} as never, recorder as never, (error?: unknown) => { failure = error ?? null; done = true })
  if (failure) throw failure
  if (!done) throw new Error('helmet did not finish synchronously')
  return Object.freeze(headers)
}

/**
 * Helmet's headers on every answer, set in an onRequest hook that runs before our own (so the
 * 401 of the auth hook, Mercurius's 400s, the 413 and 415 of body parsing, 404s and the error
 * handler carry them too), with the request id (every answer names the id of its log line) and,
 * on the routes that carry secrets, `Cache-Control: no-store`. The API answers JSON only, so a
 * browser is told to render nothing of it, run nothing in it and frame none of it; GraphiQL's
 * page gets its own policy (graphiql.ts). Fastify writes a few answers straight to the socket
 * before any hook (an undecodable URL, the 503 while closing); those carry none of this.
 */
export function registerSecurityHeaders(server: FastifyInstance): void {
  const api = helmetHeaders(API)
  const apiNoStore = Object.freeze({ ...api, 'cache-control': 'no-store' })
  const page = helmetHeaders(PAGE)
  // Callback style: no promise per request on the hot path.
  server.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.url
    reply.headers(route !== undefined && NO_STORE_ROUTES.has(route) ? apiNoStore
      : route === '/graphiql' || route?.startsWith('/graphiql/') ? page : api)
    reply.header('x-request-id', request.id)
    done()
  })
}
