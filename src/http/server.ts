import { randomUUID } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import mercurius from 'mercurius'
import cors from '@fastify/cors'
import { NoSchemaIntrospectionCustomRule } from 'graphql'
import type { Deps } from '../model/deps.js'
import type { Principal } from '../model/auth/authenticate.js'
import type { ClientInfo } from '../model/clientInfo.js'
import { originReader, trustList } from './origin.js'
import { isDatabaseUnavailable, unavailableMessage } from '../db/errors.js'
import { graphqlSchemaDir } from '../paths.js'
import { resolvers, loaders } from '../graphql/resolvers.js'
import { formatExecution } from '../graphql/errors.js'
import { checkDocument, defaultRequestLimits, isParsedDocument, LimitExceeded, limitError, type RequestLimits } from '../graphql/limits.js'
import { registerEnvelopeChecks } from './envelope.js'
import { registerDrain } from './drain.js'
import { registerForceOk } from './forceOk.js'
import { registerRoot } from './root.js'
import type { Context } from '../graphql/context.js'
import { registerAuth } from './auth.js'
import { registerHealth } from './health.js'
import { registerIntrospection } from './introspect.js'
import { lazyChildLogger, registerAccessLog, type AccessEntry } from './logging.js'
import { registerHttpMetrics, registerMetricsRoute, type Metrics } from './metrics.js'
import { registerSecurityHeaders } from './securityHeaders.js'
import { registerGraphiql } from './graphiql.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** New requests are answered 503 from now on (the first step of a shutdown). */
    beginDrain(): void
  }
  interface FastifyRequest {
    principal: Principal | null
    /** Where the request comes from, as far as its key is believed (set with `principal`). */
    client: ClientInfo | null
  }
}

export interface ServerOptions {
  bodyLimit: number
  logger: FastifyBaseLogger
  /** Where the access line of each answered request goes. */
  access: (entry: AccessEntry) => void
  /** Proxies whose X-Forwarded-For, X-Request-Id and geo header are believed (addresses or CIDR ranges). */
  trustProxy?: readonly string[]
  /** The header a trusted proxy reports the client's country in (`cf-ipcountry`, say). */
  geoCountryHeader?: string | null
  /** Counted when given; `GET /metrics` here too when metricsRoute (else on a port of its own). */
  metrics?: Metrics
  metricsRoute?: boolean
  /** Origins allowed to call the API from a browser (`*` for any); none when empty. */
  corsOrigins?: readonly string[]
  graphql?: GraphqlOptions
  /** `GET /graphiql` (on unless false). */
  graphiql?: boolean
  /** Honour `X-Contember-Force-Ok` (on unless false). */
  forceOk?: boolean
}

/** What a request id from a proxy may look like: short, and safe in a log line and a header. */
const REQUEST_ID = /^[\w.:-]{1,128}$/


export interface GraphqlOptions {
  limits: RequestLimits
  maxDepth: number
  /** Parsed documents kept, by query text (each at most `limits.maxTokens` tokens). */
  cacheSize: number
  /** `__schema` and `__type` answered (GraphiQL and code generators need them). */
  introspection: boolean
}

export const defaultGraphqlOptions: GraphqlOptions = { limits: defaultRequestLimits, maxDepth: 20, cacheSize: 256, introspection: true }

export async function loadSchema(dir = graphqlSchemaDir): Promise<string> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.graphql')).sort()
  return (await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')))).join('\n')
}

export async function buildServer(deps: Deps, options: ServerOptions): Promise<FastifyInstance> {
  const trusted = trustList(options.trustProxy ?? [])
  const server = Fastify({
    loggerInstance: options.logger,
    // POST /tenant/ is /tenant, as in the reference.
    routerOptions: { ignoreTrailingSlash: true },
    // One access line per request instead of Fastify's two (accessLog in logging.ts).
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLogger,
    bodyLimit: options.bodyLimit,
    // X-Forwarded-For is believed from the configured proxies only.
    trustProxy: trusted ?? false,
    // A random id per request, so an error a user reports can be found in the logs of any node;
    // a trusted proxy's X-Request-Id is kept, so one id follows the request through both.
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      if (trusted && typeof given === 'string' && REQUEST_ID.test(given) && trusted(req.socket.remoteAddress ?? '')) return given
      return randomUUID()
    },
    requestIdHeader: false,
    // drain.ts answers those, with the headers every answer has.
    return503OnClosing: false,
  })
  server.decorateRequest('principal', null)
  server.decorateRequest('client', null)

  // Errors outside GraphQL (unknown routes, hooks): the same `{ errors: [...] }` shape, and
  // for anything unexpected a generic message with the request id instead of the error itself.
  server.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ requestId: request.id }, 'database unavailable')
      return reply.code(503).header('retry-after', '5')
        .send({ errors: [{ message: unavailableMessage(request.id), requestId: request.id }] })
    }
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
    if (status === 500) {
      request.log.error({ err: error, requestId: request.id }, 'request failed')
      return reply.code(500).send({ errors: [{ message: `Internal server error (request id ${request.id})`, requestId: request.id }] })
    }
    return reply.code(status).send({ errors: [{ message: error.message }] })
  })
  server.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ errors: [{ message: `Route ${request.method} ${request.url.split('?')[0]} not found` }] }))

  const drain = registerDrain(server)
  if (options.forceOk ?? true) registerForceOk(server)
  registerAccessLog(server, options.access)
  if (options.metrics) {
    registerHttpMetrics(server, options.metrics)
    if (options.metricsRoute) registerMetricsRoute(server, options.metrics)
  }
  if (options.corsOrigins?.length) {
    // Bearer tokens, never cookies: no credentials mode is needed, so `*` exposes nothing more.
    await server.register(cors, {
      origin: options.corsOrigins.includes('*') ? '*' : [...options.corsOrigins],
      methods: ['GET', 'POST'],
      allowedHeaders: ['authorization', 'content-type'],
      maxAge: 600,
    })
  }
  registerSecurityHeaders(server)
  drain.refuseWhileClosing()
  registerRoot(server)
  if (options.graphiql ?? true) await registerGraphiql(server)
  registerHealth(server, deps)
  const origin = originReader(trusted, options.geoCountryHeader ?? null)
  registerAuth(server, deps, origin)
  registerIntrospection(server, deps, origin)

  const graphql = options.graphql ?? defaultGraphqlOptions
  registerEnvelopeChecks(server, graphql.limits.maxDocumentBytes)
  await server.register(mercurius, {
    schema: await loadSchema(),
    resolvers: resolvers as never,
    loaders: loaders as never,
    path: '/tenant',
    graphiql: false,
    jit: 1,
    // Deep enough for the standard introspection query (15) that GraphiQL and schema tools send.
    queryDepth: graphql.maxDepth,
    // Bounded by entries; each entry by maxTokens (the size of its syntax tree) and the document limit.
    cache: graphql.cacheSize > 0 ? graphql.cacheSize : false,
    graphql: { parseOptions: { maxTokens: graphql.limits.maxTokens } },
    validationRules: graphql.introspection ? [] : [NoSchemaIntrospectionCustomRule],
    context: (request): Omit<Context, 'reply'> => {
      // The auth hook has run for every /tenant request and answered 401 where it found nobody.
      const principal = request.principal!
      const client = request.client!
      return {
        deps,
        principal,
        requestId: request.id,
        client,
        caller: { ...principal, client },
        memo: new Map(),
        signedIn: new Set(),
        ...(options.metrics ? { outcomes: options.metrics } : {}),
      }
    },
    errorFormatter: (execution, ctx) => {
      const reply = (ctx as unknown as { reply: { request: { id: string }; log: FastifyInstance['log'] } }).reply
      return formatExecution(execution as never, reply.request.id, reply.log) as never
    },
  })
  // Runs after parsing and before validation, for documents not in the cache yet (a cached one
  // passed): nothing is validated, cached or run for a request over the limits.
  server.graphql.addHook('preValidation', async (schema, document) => {
    if (!isParsedDocument(document)) throw limitError('Syntax Error: the query is not GraphQL text')
    try {
      checkDocument(schema, document, graphql.limits)
    } catch (error) {
      if (error instanceof LimitExceeded) throw limitError(error.message)
      throw error
    }
  })
  return server
}
