import type { FastifyInstance } from 'fastify'

const TRUTHY = new Set(['1', 'true', 'on', 'yes'])

/** Whether a request asked for `X-Contember-Force-Ok` (1, true, on or yes, in any case). */
export function forceOkRequested(value: string | string[] | undefined): boolean {
  const first = Array.isArray(value) ? value[0] : value
  return first !== undefined && TRUTHY.has(first.trim().toLowerCase())
}

/**
 * For clients that cannot read an answer whose status is not 200 (some HTTP libraries throw it
 * away), as the reference does: a /tenant request with `X-Contember-Force-Ok: true` gets any
 * non-200 answer that has a body as 200, with the real status in `X-Contember-Original-Status`.
 * The body is unchanged (`errors` tells what happened).
 */
export function registerForceOk(server: FastifyInstance): void {
  server.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode !== 200 && request.routeOptions.url === '/tenant' && payload != null && payload !== '' && forceOkRequested(request.headers['x-contember-force-ok'])) {
      reply.header('x-contember-original-status', String(reply.statusCode))
      reply.code(200)
    }
    done(null, payload)
  })
}
