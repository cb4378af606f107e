import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Deps } from '../model/deps.js'
import { authenticate } from '../model/auth/authenticate.js'
import type { OriginReader } from './origin.js'
import { introspect } from '../model/introspection/introspect.js'

/** Global roles that may ask about other tokens. */
const INTROSPECTING_ROLES = ['super_admin', 'introspector']

/**
 * POST /introspect: for downstream services (a content API) to learn who a token belongs to and
 * what it may do in their project. The caller authenticates with its own bearer token and must
 * hold the `introspector` (or `super_admin`) global role. Body: JSON `{ "token", "project" }` or
 * form-encoded `token=…&project=…`. Tokens are never logged.
 */
export function registerIntrospection(server: FastifyInstance, deps: Deps, originOf: OriginReader): void {
  // The caller is checked before its body is read, as for /tenant: without the right, even a
  // malformed body earns only 401 or 403.
  const onRequest = async (request: FastifyRequest, reply: FastifyReply) => {
    const caller = await authenticate(deps, request.headers.authorization, originOf(request))
    if (!caller.ok) return reply.code(401).send({ errors: [{ code: 401, message: caller.message, reason: caller.code }] })
    if (!caller.value.roles.some((role) => INTROSPECTING_ROLES.includes(role))) {
      return reply.code(403).send({ errors: [{ code: 403, message: 'Introspection needs the introspector or super_admin role' }] })
    }
  }
  // A plugin of its own (encapsulated), so the form parser applies to this route only. /tenant
  // takes JSON: a form body is what a foreign web page can make a browser send without a CORS
  // preflight, and there only the bearer token would stand in its way.
  // Cache-Control: no-store comes with every answer (securityHeaders.ts).
  server.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)))
    })
    scope.post('/introspect', { onRequest }, async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, unknown>
      if (typeof body.token !== 'string' || body.token === '') {
        return reply.code(400).send({ errors: [{ code: 400, message: 'Send the token to check as "token"' }] })
      }
      if (body.project !== undefined && body.project !== null && typeof body.project !== 'string') {
        return reply.code(400).send({ errors: [{ code: 400, message: '"project" must be a project slug' }] })
      }
      return introspect(deps, body.token, (body.project as string | undefined) || null)
    })
  })
}
