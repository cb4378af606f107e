import { createRequire } from 'node:module'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { pino, type Logger, type LoggerOptions } from 'pino'

/**
 * How a request appears in the log. The path only: a query string may carry a password, a token
 * or a whole GraphQL document (`GET /tenant?query=…&variables=…`, `/introspect?token=…`), and log
 * lines end up in places with wider access than the database. No headers either: they carry the
 * bearer token. (Fastify's default logs `req.url` as it came, query and all.)
 */
export function requestSerializer(request: Pick<FastifyRequest, 'method' | 'url' | 'hostname' | 'ip'> & { socket?: { remotePort?: number } }) {
  return {
    method: request.method,
    url: pathOnly(request.url),
    hostname: request.hostname,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  }
}

/** `url` up to its first `?` (a `#` never reaches a server, but is cut off too in case a client sends one). */
export function pathOnly(url: string): string {
  const end = url.search(/[?#]/)
  return end === -1 ? url : url.slice(0, end)
}

export interface LogSettings {
  level: string
  format: 'json' | 'pretty'
  /** Where lines go instead of stdout (tests read them); written synchronously. */
  stream?: NodeJS.WritableStream
}

/**
 * The process's logger. Lines to stdout are written asynchronously (the event loop never waits
 * for the terminal or a log shipper) and flushed when the process exits, a crash included;
 * `flushLogs` flushes before an exit that skips exit handlers (the SIGKILL of a shutdown that
 * timed out); `logSynchronously` switches to synchronous writes for the shutdown. `pretty`
 * formats for humans in a worker thread, with the optional pino-pretty.
 */
export function createLogger(settings: LogSettings): { logger: Logger; flushLogs: () => void; logSynchronously: () => void } {
  const options: LoggerOptions = {
    level: settings.level,
    // Request logs carry method, path and ids; headers (and so bearer tokens) and query strings
    // are never logged. The redaction stays for any code that logs a raw request.
    serializers: { req: requestSerializer, err: pino.stdSerializers.err },
    redact: ['req.headers.authorization'],
  }
  const none = () => {}
  if (settings.stream) return { logger: pino(options, settings.stream), flushLogs: none, logSynchronously: none }
  if (settings.format === 'pretty') {
    if (!prettyInstalled()) throw new Error('LOG_FORMAT=pretty needs the optional package pino-pretty (npm install pino-pretty)')
    const logger = pino({ ...options, transport: { target: 'pino-pretty', options: { destination: 1 } } })
    return { logger, flushLogs: () => logger.flush(), logSynchronously: none }
  }
  const destination = pino.destination({ dest: 1, sync: false })
  return {
    logger: pino(options, destination),
    flushLogs: () => { try { destination.flushSync() } catch { /* nothing to flush, or stdout is gone */ } },
    // From shutdown on, each line is written before the call returns, so a line logged just
    // before a kill ("shutdown timed out") is not still waiting for a thread.
    // (SonicBoom reads its `sync` field at every write; its type declarations leave it out.)
    logSynchronously: () => { (destination as unknown as { sync: boolean }).sync = true },
  }
}

function prettyInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty')
    return true
  } catch {
    return false
  }
}

/**
 * One line per answered request, after it is sent: method, route (the pattern, so ids in paths
 * do not multiply lines in log queries), path, status, milliseconds, and the caller's identity
 * when it was authenticated. The request id is the line's `reqId`. Never a header or a token.
 */
export function registerAccessLog(server: FastifyInstance): void {
  server.addHook('onResponse', (request, reply, done) => {
    request.log.info({
      method: request.method,
      route: request.routeOptions.url ?? null,
      path: pathOnly(request.url),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      identity: request.principal?.identityId ?? null,
    }, 'request')
    done()
  })
}
