import type { FastifyInstance } from 'fastify'

/**
 * While the server closes, every answer tells the client to close its connection. Node's close
 * waits for every open connection, and a kept-alive one whose request was in flight when the
 * close began would otherwise stay open until its keep-alive timeout, holding the shutdown.
 */
export function registerDrain(server: FastifyInstance): { refuseWhileClosing(): void } {
  let closing = false
  server.addHook('preClose', async () => { closing = true })
  // A shutdown starts here (main.ts): for SHUTDOWN_DRAIN_MS the listener stays open and answers
  // every new request 503, so connections still queued to be accepted get an answer, not a reset.
  server.decorate('beginDrain', () => { closing = true })
  // Callback style (as the other per-request hooks): no promise per answer.
  server.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close')
    done(null, payload)
  })
  return {
    /**
     * A request arriving (on a kept-alive connection) once the close began is refused with 503.
     * Registered after the security headers, so the refusal carries them as every answer does
     * (Fastify's own return503OnClosing answers before any hook).
     */
    refuseWhileClosing() {
      server.addHook('onRequest', (_request, reply, done) => {
        if (!closing) return done()
        void reply.code(503).header('retry-after', '1').send({ errors: [{ message: 'Service unavailable: the server is shutting down; retry' }] })
      })
    },
  }
}
