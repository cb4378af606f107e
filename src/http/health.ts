import type { FastifyInstance } from 'fastify'
import type { Deps } from '../model/deps.js'

const READY_TIMEOUT_MS = 2_000

/** Liveness answers while the process runs; readiness only while the database answers too. */
export function registerHealth(server: FastifyInstance, deps: Deps): void {
  server.get('/health', async () => ({ status: 'ok' }))
  server.get('/ready', async (request, reply) => {
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        deps.db.query('SELECT 1'),
        new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('database check timed out')), READY_TIMEOUT_MS) }),
      ])
      return { status: 'ready' }
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed')
      return reply.code(503).send({ status: 'unavailable', reason: 'database unreachable' })
    } finally {
      clearTimeout(timer)
    }
  })
}
