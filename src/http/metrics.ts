import { createServer, type Server } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { Db } from '../db/db.js'
import type { TokenCache } from '../model/auth/tokenCache.js'

// Prometheus metrics (prom-client). Every label takes its values from a closed set: routes of
// this server, HTTP methods, status codes, the schema's field names and error codes. Nothing a
// caller sends (an operation name, a path that matched no route) becomes a label value.

const METHODS = new Set(['GET', 'POST', 'OPTIONS', 'HEAD', 'PUT', 'PATCH', 'DELETE'])

/** Fields that sign people in, by method (a label of `tenant_sign_in_total`). */
const SIGN_IN_METHODS: Record<string, string> = { signIn: 'password' }

export interface Metrics {
  registry: Registry
  /** The outcome of one root field of a GraphQL operation. */
  operation(field: string, type: 'query' | 'mutation', outcome: string): void
}

export function createMetrics(sources: { db: Db; tokens: TokenCache }): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'tenant_' })

  const graphqlOperations = new Counter({
    name: 'tenant_graphql_operations_total',
    help: 'Root fields of GraphQL operations, by field and outcome: ok, an error code of the answer, forbidden, invalid or error',
    labelNames: ['type', 'field', 'outcome'] as const,
    registers: [registry],
  })
  const signIns = new Counter({
    name: 'tenant_sign_in_total',
    help: 'Sign-in attempts by method and outcome (ok or the error code)',
    labelNames: ['method', 'outcome'] as const,
    registers: [registry],
  })
  const { tokens, db } = sources
  new Gauge({
    name: 'tenant_token_cache_entries', help: 'Verified keys this node keeps', registers: [registry],
    collect() { this.set(tokens.size) },
  })
  for (const [name, help, read] of [
    ['tenant_token_cache_hits_total', 'Requests answered from the verified-key cache', () => tokens.stats.hits],
    ['tenant_token_cache_misses_total', 'Requests whose key had to be read from the database', () => tokens.stats.misses],
    ['tenant_token_cache_evictions_total', 'Keys dropped to make room (the cache is full)', () => tokens.stats.evictions],
    ['tenant_token_invalidations_total', 'Invalidation messages received (keys, identities or everything dropped)', () => tokens.stats.invalidations],
  ] as const) {
    // Counters read from the cache's own tallies at scrape time: nothing extra per request.
    new Counter({ name, help, registers: [registry], collect() { this.reset(); this.inc(read()) } })
  }
  if (db.poolStats) {
    const poolStats = db.poolStats
    new Gauge({
      name: 'tenant_db_pool_connections', help: 'PostgreSQL pool connections by state (max: the pool\'s limit)', labelNames: ['state'] as const, registers: [registry],
      collect() {
        const stats = poolStats()
        this.set({ state: 'total' }, stats.total)
        this.set({ state: 'idle' }, stats.idle)
        this.set({ state: 'waiting' }, stats.waiting)
        this.set({ state: 'max' }, stats.max)
      },
    })
  }
  return {
    registry,
    operation(field, type, outcome) {
      graphqlOperations.inc({ type, field, outcome })
      const method = SIGN_IN_METHODS[field]
      if (method !== undefined && type === 'mutation') signIns.inc({ method, outcome })
    },
  }
}

/** Requests by route, method and status, and their duration, counted when each answer is sent. */
export function registerHttpMetrics(server: FastifyInstance, metrics: Metrics): void {
  const requests = new Counter({
    name: 'tenant_http_requests_total', help: 'HTTP requests answered, by route, method and status',
    labelNames: ['route', 'method', 'status'] as const, registers: [metrics.registry],
  })
  const duration = new Histogram({
    name: 'tenant_http_request_duration_seconds', help: 'Time to answer, by route and method',
    labelNames: ['route', 'method'] as const, registers: [metrics.registry],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  })
  server.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched'
    const method = METHODS.has(request.method) ? request.method : 'other'
    requests.inc({ route, method, status: String(reply.statusCode) })
    duration.observe({ route, method }, reply.elapsedTime / 1000)
    done()
  })
}

async function render(metrics: Metrics): Promise<{ type: string; body: string }> {
  return { type: metrics.registry.contentType, body: await metrics.registry.metrics() }
}

/** `GET /metrics` on the API's own port. */
export function registerMetricsRoute(server: FastifyInstance, metrics: Metrics): void {
  server.get('/metrics', async (_request, reply) => {
    const { type, body } = await render(metrics)
    return reply.type(type).header('cache-control', 'no-store').send(body)
  })
}

/** `GET /metrics` on a port of its own (METRICS_PORT), so it can stay off the public listener. */
export async function serveMetrics(metrics: Metrics, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n')
      return
    }
    render(metrics).then(({ type, body }) => res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n'))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  return server
}
