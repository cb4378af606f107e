import type { FastifyInstance } from 'fastify'

/**
 * Refuses a /tenant request whose GraphQL text is larger than `maxBytes` before it is parsed or
 * looked up in the parsed-query cache (whose keys are these texts), with the shape of any other
 * request error: HTTP 400 and `{ errors: [{ message }] }`.
 */
export function registerDocumentLimit(server: FastifyInstance, maxBytes: number): void {
  server.addHook('preValidation', async (request, reply) => {
    if (request.routeOptions.url !== '/tenant') return
    const source = request.method === 'GET'
      ? (request.query as { query?: unknown } | undefined)?.query
      : (request.body as { query?: unknown } | undefined)?.query
    if (typeof source !== 'string' || source.length <= maxBytes / 4 || Buffer.byteLength(source, 'utf8') <= maxBytes) return
    return reply.code(400).send({ errors: [{ message: `The query is larger than ${maxBytes} bytes` }] })
  })
}
