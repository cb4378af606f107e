import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Deps } from '../model/deps.js'
import { authenticate, type Principal } from '../model/auth/authenticate.js'
import { clientInfo } from '../model/clientInfo.js'
import type { Result } from '../model/result.js'

/**
 * Every request to /tenant carries a bearer token, sign-in included. It is checked before the
 * body is even parsed, so an anonymous caller gets nothing but 401 and no resolver runs.
 */
export function registerAuth(server: FastifyInstance, deps: Deps): void {
  // Callback style: a key the node has cached is answered without a promise or a turn of the loop.
  server.addHook('onRequest', (request, reply, done) => {
    if (request.routeOptions.url !== '/tenant') return done()
    const query = request.query as Record<string, unknown> | undefined
    // A browser opening the endpoint gets the GraphiQL page (which then sends the token itself).
    if (request.method === 'GET' && query?.query === undefined && (request.headers.accept ?? '').includes('text/html') &&
      server.hasRoute({ method: 'GET', url: '/graphiql' })) {
      return void reply.redirect('/graphiql')
    }
    const result = authenticate(deps, request.headers.authorization, clientInfo(request.ip, request.headers['user-agent']))
    if (result instanceof Promise) result.then((verdict) => admit(request, reply, verdict, done), done)
    else admit(request, reply, result, done)
  })
}

function admit(request: FastifyRequest, reply: FastifyReply, result: Result<Principal, string>, done: (error?: Error) => void): void {
  if (!result.ok) {
    // The reason class only (missing, malformed, unknown, disabled, expired), never more.
    return void reply.code(401).send({ errors: [{ code: 401, message: result.message, reason: result.code }] })
  }
  request.principal = result.value
  done()
}
