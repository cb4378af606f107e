import { createRequire } from 'node:module'
import { hostname } from 'node:os'
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify'
import { pino, type Bindings, type ChildLoggerOptions, type Logger, type LoggerOptions } from 'pino'

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

/** What the access line says about one answered request. */
export interface AccessEntry {
  reqId: string
  method: string
  /** The route's pattern (so ids in paths do not multiply lines in log queries); null when none matched. */
  route: string | null
  /** The path, never the query string. */
  path: string
  status: number
  ms: number
  /** The caller's identity, when it was authenticated. */
  identity: string | null
}

export interface Logging {
  logger: Logger
  /** Writes the access line of one answered request (nothing below LOG_LEVEL=info). */
  access: (entry: AccessEntry) => void
  /** Writes out every line still buffered, before an exit that skips exit handlers. */
  flushLogs: () => void
  /** From now on each line is written before the call returns (for the shutdown). */
  logSynchronously: () => void
  /** Writes what is buffered and stops flushing at process exit (the app closed). */
  release: () => void
}

/**
 * The process's logger. Lines to stdout are written asynchronously (the event loop never waits
 * for the terminal or a log shipper) and flushed when the process exits, a crash included;
 * `flushLogs` flushes before an exit that skips exit handlers (the SIGKILL of a shutdown that
 * timed out); `logSynchronously` switches to synchronous writes for the shutdown. `pretty`
 * formats for humans in a worker thread, with the optional pino-pretty.
 */
export function createLogger(settings: LogSettings): Logging {
  const options: LoggerOptions = {
    level: settings.level,
    // Request logs carry method, path and ids; headers (and so bearer tokens) and query strings
    // are never logged. The redaction stays for any code that logs a raw request.
    serializers: { req: requestSerializer, err: pino.stdSerializers.err },
    redact: ['req.headers.authorization'],
  }
  if (settings.format === 'pretty' && !settings.stream) {
    if (!prettyInstalled()) throw new Error('LOG_FORMAT=pretty needs the optional package pino-pretty (npm install pino-pretty)')
    const logger = pino({ ...options, transport: { target: 'pino-pretty', options: { destination: 1 } } })
    return {
      logger,
      access: logger.isLevelEnabled('info') ? (entry) => logger.info(entry, 'request') : () => {},
      flushLogs: () => logger.flush(),
      logSynchronously: () => {},
      release: () => logger.flush(),
    }
  }
  if (settings.stream) {
    const stream = settings.stream
    const logger = pino(options, stream)
    const access = accessLines(logger, (text) => stream.write(text))
    return { logger, access: access.write, flushLogs: access.flush, logSynchronously: access.unbuffered, release: access.flush }
  }
  const destination = pino.destination({ dest: 1, sync: false })
  const logger = pino(options, destination)
  const access = accessLines(logger, (text) => destination.write(text))
  const flushLogs = () => {
    access.flush()
    try { destination.flushSync() } catch { /* nothing to flush, or stdout is gone */ }
  }
  // pino flushes its destination at exit; the access lines of the last turn go first.
  process.once('exit', flushLogs)
  return {
    logger,
    access: access.write,
    flushLogs,
    release: () => {
      flushLogs()
      process.removeListener('exit', flushLogs)
    },
    // From shutdown on, each line is written before the call returns, so a line logged just
    // before a kill ("shutdown timed out") is not still waiting for a thread.
    // (SonicBoom reads its `sync` field at every write; its type declarations leave it out.)
    logSynchronously: () => {
      access.unbuffered()
      ;(destination as unknown as { sync: boolean }).sync = true
    },
  }
}

/**
 * Access lines in pino's JSON format, made by hand: one request's line is the hottest thing
 * written, and formatting it directly costs a fifth of what pino's generic serialisation does.
 * The lines of one turn of the event loop are handed to the destination together, as one
 * write: the destination measures its whole pending buffer on every write it is given, which
 * under load cost as much as the formatting.
 */
function accessLines(logger: Logger, write: (text: string) => void) {
  // pino's base fields (pid, hostname), as its own lines carry them.
  const base = `,"pid":${process.pid},"hostname":${JSON.stringify(hostname())}`
  const level = logger.levels.values.info
  const enabled = logger.isLevelEnabled('info')
  let pending: string[] = []
  let buffered = true
  const flush = () => {
    if (pending.length === 0) return
    const text = pending.join('')
    pending = []
    write(text)
  }
  return {
    write: (entry: AccessEntry) => {
      if (!enabled) return
      pending.push(`{"level":${level},"time":${Date.now()}${base},"reqId":${JSON.stringify(entry.reqId)},` +
        `"method":${JSON.stringify(entry.method)},"route":${entry.route === null ? 'null' : JSON.stringify(entry.route)},` +
        `"path":${JSON.stringify(entry.path)},"status":${entry.status},"ms":${entry.ms},` +
        `"identity":${entry.identity === null ? 'null' : JSON.stringify(entry.identity)},"msg":"request"}\n`)
      if (!buffered) flush()
      else if (pending.length === 1) setImmediate(flush)
    },
    flush,
    unbuffered: () => {
      buffered = false
      flush()
    },
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
 * One line per answered request, after it is sent: method, route, path, status, milliseconds,
 * and the caller's identity when it was authenticated. The request id is the line's `reqId`.
 * Never a header or a token.
 */
export function registerAccessLog(server: FastifyInstance, access: (entry: AccessEntry) => void): void {
  server.addHook('onResponse', (request, reply, done) => {
    access({
      reqId: request.id,
      method: request.method,
      route: request.routeOptions.url ?? null,
      path: pathOnly(request.url),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      identity: request.principal?.identityId ?? null,
    })
    done()
  })
}

/**
 * Each request's logger (Fastify's `request.log`) is made when something logs for that request:
 * most requests log nothing but their access line, and a pino child per request cost a few
 * percent of the server's time under load. It carries the same bindings as a child made at once.
 */
export function lazyChildLogger(this: unknown, parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new RequestLogger(parent, bindings, options)
}

type Log = (...args: unknown[]) => void

class RequestLogger implements FastifyBaseLogger {
  #made: FastifyBaseLogger | undefined
  constructor(private readonly parent: FastifyBaseLogger, private readonly bindings: Bindings, private readonly options: ChildLoggerOptions) {}

  private get made(): FastifyBaseLogger {
    return this.#made ??= this.parent.child(this.bindings, this.options)
  }
  get level(): string { return this.#made?.level ?? this.options.level ?? this.parent.level }
  set level(level: string) { this.made.level = level }
  fatal(...args: unknown[]) { (this.made.fatal as Log)(...args) }
  error(...args: unknown[]) { (this.made.error as Log)(...args) }
  warn(...args: unknown[]) { (this.made.warn as Log)(...args) }
  info(...args: unknown[]) { (this.made.info as Log)(...args) }
  debug(...args: unknown[]) { (this.made.debug as Log)(...args) }
  trace(...args: unknown[]) { (this.made.trace as Log)(...args) }
  silent(...args: unknown[]) { (this.made.silent as Log)(...args) }
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger { return this.made.child(bindings, options) }
}
