import type { FastifyInstance } from 'fastify'

/**
 * While the server closes, every answer tells the client to close its connection. Node's close
 * waits for every open connection, and a kept-alive one whose request was in flight when the
 * close began would otherwise stay open until its keep-alive timeout, holding the shutdown.
 */
export function registerDrain(server: FastifyInstance): void {
  let closing = false
  server.addHook('preClose', async () => { closing = true })
  // Callback style (as the other per-request hooks): no promise per answer.
  server.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close')
    done(null, payload)
  })
}
