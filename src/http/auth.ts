import type { FastifyInstance } from 'fastify'
import type { Deps } from '../model/deps.js'
import { authenticate } from '../model/auth/authenticate.js'

/**
 * Every request to /tenant carries a bearer token, sign-in included. It is checked before the
 * body is even parsed, so an anonymous caller gets nothing but 401 and no resolver runs.
 */
export function registerAuth(server: FastifyInstance, deps: Deps): void {
  server.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.url !== '/tenant') return
    const query = request.query as Record<string, unknown> | undefined
    // A browser opening the endpoint gets the GraphiQL page (which then sends the token itself).
    if (request.method === 'GET' && query?.query === undefined && (request.headers.accept ?? '').includes('text/html') &&
      server.hasRoute({ method: 'GET', url: '/graphiql' })) {
      return reply.redirect('/graphiql')
    }
    const result = await authenticate(deps, request.headers.authorization)
    if (!result.ok) {
      // The reason class only (missing, malformed, unknown, disabled, expired), never more.
      return reply.code(401).send({ errors: [{ code: 401, message: result.message, reason: result.code }] })
    }
    request.principal = result.value
  })
}
