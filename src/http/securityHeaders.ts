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
 * Helmet's headers on every answer, set in an onRequest hook that runs before our own (so the
 * 401 of the auth hook, Mercurius's 400s, the 413 and 415 of body parsing, 404s and the error
 * handler carry them too). The API answers JSON only, so a browser is told to render nothing of
 * it, run nothing in it and frame none of it; GraphiQL's page gets its own policy (graphiql.ts).
 * Each middleware is built once: @fastify/helmet builds it anew for every request, which cost
 * about 7% of the server's time under load (bench/RESULTS.md). Fastify writes a few answers
 * straight to the socket before any hook (an undecodable URL, the 503 while closing); those
 * carry none of this.
 */
export function registerSecurityHeaders(server: FastifyInstance): void {
  const api = helmet(API)
  const page = helmet(PAGE)
  // Callback-style hooks: no promise per request on the hot path. The request id goes out here
  // too, so every answer names the id of its log line.
  server.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    const route = request.routeOptions.url
    const headers = route === '/graphiql' || route?.startsWith('/graphiql/') ? page : api
    headers(request.raw, reply.raw, (error) => done(error as Error | undefined))
  })
  server.addHook('onSend', (request, reply, payload, done) => {
    const route = request.routeOptions.url
    if (route !== undefined && NO_STORE_ROUTES.has(route)) reply.header('cache-control', 'no-store')
    done(null, payload)
  })
}
