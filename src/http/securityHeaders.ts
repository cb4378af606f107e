import type { FastifyInstance } from 'fastify'

/** Answers that carry identities, tokens and sessions: no browser or proxy may keep a copy. */
const NO_STORE_ROUTES = new Set(['/tenant', '/introspect'])

// The API answers JSON only, so a browser is told to render nothing of it, run nothing in it and
// frame none of it; even an answer a browser would sniff as HTML (an error echoing input) stays inert.
const STRICT = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
}
// GraphiQL is a page: it runs its own script and loads React and GraphiQL from unpkg.com, which
// `default-src 'none'` would block. It still may not be framed (clickjacking of a page that
// holds a token).
const GRAPHIQL = { ...STRICT, 'content-security-policy': "frame-ancestors 'none'" }

/**
 * One onSend hook at the root, so it also covers answers that no route handler made: the 401 of
 * the auth hook, Mercurius's 400s, the 413 and 415 of body parsing, 404s and the error handler.
 * (Fastify writes a few answers straight to the socket before any hook: an undecodable URL, and
 * the 503 while closing; those carry none of this.)
 */
export function registerSecurityHeaders(server: FastifyInstance): void {
  server.addHook('onSend', async (request, reply, payload) => {
    const route = request.routeOptions.url
    reply.headers(route === '/graphiql' || route?.startsWith('/graphiql/') ? GRAPHIQL : STRICT)
    if (route !== undefined && NO_STORE_ROUTES.has(route)) reply.header('cache-control', 'no-store')
    return payload
  })
}
