import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Deps } from '../model/deps.js'
import { authenticate, type Principal } from '../model/auth/authenticate.js'
import { effectiveClient, type RequestOrigin } from '../model/clientInfo.js'
import type { OriginReader } from './origin.js'
import type { Result } from '../model/result.js'

/**
 * Every request to /tenant carries a bearer token, sign-in included. It is checked before the
 * body is even parsed, so an anonymous caller gets nothing but 401 and no resolver runs.
 */
export function registerAuth(server: FastifyInstance, deps: Deps, originOf: OriginReader): void {
  // Callback style: a key the node has cached is answered without a promise or a turn of the loop.
  server.addHook('onRequest', (request, reply, done) => {
    if (request.routeOptions.url !== '/tenant') return done()
    const query = request.query as Record<string, unknown> | undefined
    // A browser opening the endpoint gets the GraphiQL page (which then sends the token itself).
    if (request.method === 'GET' && query?.query === undefined && (request.headers.accept ?? '').includes('text/html') &&
      server.hasRoute({ method: 'GET', url: '/graphiql' })) {
      return void reply.redirect('/graphiql')
    }
    const origin = originOf(request)
    const result = authenticate(deps, request.headers.authorization, origin)
    if (result instanceof Promise) result.then((verdict) => admit(request, reply, verdict, origin, done), done)
    else admit(request, reply, result, origin, done)
  })
}

function admit(request: FastifyRequest, reply: FastifyReply, result: Result<Principal, string>, origin: RequestOrigin, done: (error?: Error) => void): void {
  if (!result.ok) {
    // The reason class only (missing, malformed, unknown, disabled, expired), never more.
    return void reply.code(401).send({ errors: [{ code: 401, message: result.message, reason: result.code }] })
  }
  request.principal = result.value
  request.client = effectiveClient(origin, result.value.trustForwardedClientInfo)
  done()
}
