import type { FastifyInstance } from 'fastify'

/** `GET /`: a signpost for whoever opens the server's address (nothing is served here). */
export function registerRoot(server: FastifyInstance): void {
  server.get('/', async () => ({
    service: 'tenant-api',
    graphql: 'POST /tenant with Authorization: Bearer <token>',
    graphiql: '/graphiql',
    health: '/health',
    ready: '/ready',
  }))
}
