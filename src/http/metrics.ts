import { createServer, type Server } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { Db } from '../db/db.js'
import type { TokenCache } from '../model/auth/tokenCache.js'
import { countMailsByState } from '../db/queries/mail.js'
import type { MailSender } from '../mail/sender.js'

// Prometheus metrics (prom-client). Every label takes its values from a closed set: routes of
// this server, HTTP methods, status codes, the schema's field names and error codes. Nothing a
// caller sends (an operation name, a path that matched no route) becomes a label value.

const METHODS = new Set(['GET', 'POST', 'OPTIONS', 'HEAD', 'PUT', 'PATCH', 'DELETE'])

// Per-request counting is a Map lookup and an addition; prom-client gets the totals when
// Prometheus scrapes. (Its own inc() and observe() validate and hash the labels on every call,
// which cost a fifth of the throughput of the hottest path in bench/.)

/** Counts by label values, the labels kept once per combination. */
class Tally<L extends string> {
  readonly entries = new Map<string, { labels: Record<L, string>; n: number }>()
  add(key: string, labels: () => Record<L, string>): void {
    const entry = this.entries.get(key)
    if (entry) entry.n++
    else this.entries.set(key, { labels: labels(), n: 1 })
  }
}

/** A counter whose values are read at scrape time: nothing goes through prom-client per request. */
function counterReadAtScrape<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[],
    read: () => Iterable<{ labels: Record<L, string>; n: number }>) {
  new Counter({
    name, help, labelNames, registers: [registry],
    collect() {
      this.reset()
      for (const { labels, n } of read()) this.inc(labels as never, n)
    },
  })
}

/** A counter whose values are a tally's. */
const tallyCounter = <L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[], tally: Tally<L>) =>
  counterReadAtScrape(registry, name, help, labelNames, () => tally.entries.values())

/** Observations by label values in fixed buckets, shown as a Prometheus histogram. */
class HistogramTally<L extends string> {
  private readonly entries = new Map<string, { labels: Record<L, string>; counts: number[]; sum: number; count: number }>()
  constructor(readonly name: string, readonly help: string, private readonly buckets: readonly number[]) {}

  observe(key: string, labels: () => Record<L, string>, value: number): void {
    let entry = this.entries.get(key)
    if (!entry) this.entries.set(key, entry = { labels: labels(), counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 })
    let i = 0
    while (i < this.buckets.length && value > this.buckets[i]!) i++
    if (i < this.buckets.length) entry.counts[i]!++
    entry.sum += value
    entry.count++
  }

  /** What prom-client's registry formats: cumulative buckets with `le`, then sum and count. */
  async get() {
    const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = []
    for (const { labels, counts, sum, count } of this.entries.values()) {
      let cumulative = 0
      this.buckets.forEach((le, i) => {
        cumulative += counts[i]!
        values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le }, value: cumulative })
      })
      values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: count })
      values.push({ metricName: `${this.name}_sum`, labels, value: sum })
      values.push({ metricName: `${this.name}_count`, labels, value: count })
    }
    return { name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' }
  }
}

/** Fields that sign people in, by method (a label of `tenant_sign_in_total`). */
const SIGN_IN_METHODS: Record<string, string> = { signIn: 'password' }

export interface Metrics {
  registry: Registry
  /** The outcome of one root field of a GraphQL operation. */
  operation(field: string, type: 'query' | 'mutation', outcome: string): void
}

export function createMetrics(sources: { db: Db; tokens: TokenCache; mail?: MailSender }): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'tenant_' })

  const graphqlOperations = new Tally<'type' | 'field' | 'outcome'>()
  tallyCounter(registry, 'tenant_graphql_operations_total',
    'Root fields of GraphQL operations, by field and outcome: ok, an error code of the answer, forbidden, invalid or error',
    ['type', 'field', 'outcome'], graphqlOperations)
  const signIns = new Tally<'method' | 'outcome'>()
  tallyCounter(registry, 'tenant_sign_in_total', 'Sign-in attempts by method and outcome (ok or the error code)', ['method', 'outcome'], signIns)
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
    counterReadAtScrape(registry, name, help, [], () => [{ labels: {}, n: read() }])
  }
  new Gauge({
    name: 'tenant_mail_outbox', help: 'Mails in the outbox by state (pending, sending, sent, failed, held)', labelNames: ['state'] as const, registers: [registry],
    async collect() {
      try {
        for (const [state, n] of Object.entries(await countMailsByState(db))) this.set({ state }, n)
      } catch {
        // The database is unreachable: the other figures still go out.
      }
    },
  })
  const { mail } = sources
  if (mail) {
    for (const [name, help, read] of [
      ['tenant_mail_sent_total', 'Mails this node handed to the mailer', () => mail.stats.sent],
      ['tenant_mail_send_failures_total', 'Failed attempts to hand a mail to the mailer (each is retried until the last attempt)', () => mail.stats.failures],
      ['tenant_mail_given_up_total', 'Mails given up after their last attempt', () => mail.stats.givenUp],
    ] as const) counterReadAtScrape(registry, name, help, [], () => [{ labels: {}, n: read() }])
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
      graphqlOperations.add(`${type} ${field} ${outcome}`, () => ({ type, field, outcome }))
      const method = SIGN_IN_METHODS[field]
      if (method !== undefined && type === 'mutation') signIns.add(`${method} ${outcome}`, () => ({ method, outcome }))
    },
  }
}

/** Requests by route, method and status, and their duration, counted when each answer is sent. */
export function registerHttpMetrics(server: FastifyInstance, metrics: Metrics): void {
  const requests = new Tally<'route' | 'method' | 'status'>()
  tallyCounter(metrics.registry, 'tenant_http_requests_total', 'HTTP requests answered, by route, method and status', ['route', 'method', 'status'], requests)
  const duration = new HistogramTally<'route' | 'method'>('tenant_http_request_duration_seconds', 'Time to answer, by route and method',
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5])
  metrics.registry.registerMetric(duration as never)
  server.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched'
    const method = METHODS.has(request.method) ? request.method : 'other'
    const status = reply.statusCode
    requests.add(`${route} ${method} ${status}`, () => ({ route, method, status: String(status) }))
    duration.observe(`${route} ${method}`, () => ({ route, method }), reply.elapsedTime / 1000)
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
