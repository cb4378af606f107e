import type { FastifyInstance } from 'fastify'
import helmet from '@fastify/helmet'

/** Answers that carry identities, tokens and sessions: no browser or proxy may keep a copy. */
const NO_STORE_ROUTES = new Set(['/tenant', '/introspect'])

/**
 * Helmet's headers on every answer, set in an onRequest hook that runs before our own (so the
 * 401 of the auth hook, Mercurius's 400s, the 413 and 415 of body parsing, 404s and the error
 * handler carry them too). The API answers JSON only, so a browser is told to render nothing of
 * it, run nothing in it and frame none of it. GraphiQL's routes loosen the policy for their page
 * (see http/graphiql.ts). Fastify writes a few answers straight to the socket before any hook
 * (an undecodable URL, the 503 while closing); those carry none of this.
 */
export async function registerSecurityHeaders(server: FastifyInstance): Promise<void> {
  await server.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // Only reachable from other origins through CORS (when CORS_ORIGINS allows it), never embedded.
    crossOriginResourcePolicy: { policy: 'same-origin' },
  })
  server.addHook('onSend', async (request, reply, payload) => {
    const route = request.routeOptions.url
    if (route !== undefined && NO_STORE_ROUTES.has(route)) reply.header('cache-control', 'no-store')
    return payload
  })
}
