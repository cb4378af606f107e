import type { Server } from 'node:http'
import type { FastifyInstance } from 'fastify'
import type { Config } from './config/env.js'
import { openDb, type Db } from './db/db.js'
import { migrate } from './db/migrate.js'
import { systemClock, type Clock } from './model/clock.js'
import type { Deps } from './model/deps.js'
import { ensureBootstrapKeys, type BootstrapOutcome } from './model/bootstrap/ensureBootstrapKeys.js'
import { buildServer, type GraphqlOptions } from './http/server.js'
import { createLogger } from './http/logging.js'
import { createMetrics, serveMetrics } from './http/metrics.js'
import { loadSecretBox } from './config/encryptionKey.js'
import { ensureRootPerson } from './model/bootstrap/ensureRootPerson.js'
import { TokenCache } from './model/auth/tokenCache.js'
import { followInvalidations } from './model/auth/revocation.js'
import { PolicyCache } from './model/authPolicies/effectivePolicy.js'
import { forgetQuietFailures } from './model/sessions/backoff.js'
import { forgetOldMailRequests } from './model/mail/anonymousFlows.js'
import { hibpCheck } from './model/passwords/hibp.js'
import { pruneAuthLog } from './db/queries/authLog.js'
import { createTransport } from './mail/transport.js'
import { defaultSenderSettings, MailSender } from './mail/sender.js'
import { join } from 'node:path'

const PRUNE_INTERVAL_MS = 5 * 60_000

// The only wiring in the project: open the database, bring its schema up to date, make sure the
// special tokens exist, and build the HTTP server around one plain `deps` object.

export interface App {
  server: FastifyInstance
  deps: Deps
  bootstrap: BootstrapOutcome
  /** The METRICS_PORT listener, when there is one. */
  metricsServer?: Server
  /** Sends the outbox (tests wait for it to be idle). */
  mail: MailSender
  /** Writes out buffered log lines now (before an exit that skips exit handlers). */
  flushLogs(): void
  /** Writes every later log line synchronously (from the start of a shutdown). */
  logSynchronously(): void
  /** Stops accepting, lets in-flight requests finish, then closes the database. */
  close(): Promise<void>
}

const closeServer = (server: Server | undefined) => server
  ? new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections() })
  : Promise.resolve()

export interface AppOverrides {
  db?: Db
  clock?: Clock
  /** Where log lines go instead of stdout (tests read them). */
  logStream?: NodeJS.WritableStream
}

function graphqlOptions(config: Config): GraphqlOptions {
  return {
    limits: {
      maxDocumentBytes: config.GRAPHQL_MAX_DOCUMENT_BYTES,
      maxTokens: config.GRAPHQL_MAX_TOKENS,
      maxAliases: config.GRAPHQL_MAX_ALIASES,
      maxFields: config.GRAPHQL_MAX_FIELDS,
      maxCost: config.GRAPHQL_MAX_COST,
      maxSchemaIntrospections: 1,
      maxPasswordChecks: config.GRAPHQL_MAX_PASSWORD_CHECKS,
    },
    maxDepth: config.GRAPHQL_MAX_DEPTH,
    cacheSize: config.GRAPHQL_CACHE_SIZE,
    introspection: config.GRAPHQL_INTROSPECTION,
  }
}

/** Where mails are held when no mailer is configured (mail/heldMail.ts). */
export const heldMailDir = (config: Pick<Config, 'DATA_DIR'>) => join(config.DATA_DIR, 'outbox')

export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const db: Db & { dataDirMadePrivate?: boolean } = overrides.db ?? await openDb(config)
  try {
    await migrate(db)
    const secrets = await loadSecretBox(config)
    // Breach-check outages go to the log once the logger exists (below); the check fails open.
    let onHibpOutage = (_reason: string) => {}
    const deps: Deps = { db, clock: overrides.clock ?? systemClock, secrets: secrets.box, otpIssuer: config.OTP_ISSUER, tokens: new TokenCache(config.TOKEN_CACHE_TTL_MS), bootstrapIdentities: { root: '', login: '' },
      breached: hibpCheck({ url: config.HIBP_URL, timeoutMs: config.HIBP_TIMEOUT_MS, onOutage: (reason) => onHibpOutage(reason) }),
      captchaEndpoints: { turnstile: config.CAPTCHA_TURNSTILE_URL, hcaptcha: config.CAPTCHA_HCAPTCHA_URL, recaptchaV3: config.CAPTCHA_RECAPTCHA_URL },
      policies: new PolicyCache() }
    const bootstrap = await ensureBootstrapKeys(deps, {
      root: config.CONTEMBER_ROOT_TOKEN,
      login: config.CONTEMBER_LOGIN_TOKEN,
    })
    deps.bootstrapIdentities = bootstrap.identityIds
    if (config.CONTEMBER_ROOT_EMAIL && config.CONTEMBER_ROOT_PASSWORD) {
      bootstrap.rootPersonCreated = await ensureRootPerson(deps, config.CONTEMBER_ROOT_EMAIL, config.CONTEMBER_ROOT_PASSWORD)
    }
    bootstrap.encryptionKeyGenerated = secrets.generated
    bootstrap.dataDirMadePrivate = db.dataDirMadePrivate === true
    // Listening starts before serving, so no change committed after the first request is missed.
    const stopFollowing = await followInvalidations(db, deps.tokens, deps.policies)
    const { logger, access, flushLogs, logSynchronously, release: releaseLogs } = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT, stream: overrides.logStream })
    const mail = new MailSender({
      db, clock: deps.clock, secrets: deps.secrets, log: logger, heldDir: heldMailDir(config), from: config.TENANT_MAILER_FROM ?? 'tenant-api@localhost',
      transport: createTransport({
        host: config.TENANT_MAILER_HOST, port: config.TENANT_MAILER_PORT, from: config.TENANT_MAILER_FROM ?? '',
        user: config.TENANT_MAILER_USER, password: config.TENANT_MAILER_PASSWORD, secure: config.TENANT_MAILER_SECURE,
        requireTls: config.TENANT_MAILER_REQUIRE_TLS, webhook: config.TENANT_MAILER_WEBHOOK, timeoutMs: 30_000,
      }),
    }, {
      ...defaultSenderSettings,
      maxAttempts: config.MAIL_MAX_ATTEMPTS, retryDelayMs: config.MAIL_RETRY_DELAY_MS, pollMs: config.MAIL_POLL_INTERVAL_MS,
    })
    onHibpOutage = (reason) => logger.warn({ reason }, 'password.checkHibp: the breach check was skipped (the password was let through)')
    const metrics = config.METRICS ? createMetrics({ db, tokens: deps.tokens, mail }) : undefined
    const server = await buildServer(deps, {
      bodyLimit: config.BODY_LIMIT, logger, access, trustProxy: config.TRUST_PROXY, geoCountryHeader: config.GEO_COUNTRY_HEADER ?? null, graphql: graphqlOptions(config),
      corsOrigins: config.CORS_ORIGINS, graphiql: config.GRAPHIQL, forceOk: config.CONTEMBER_HTTP_RESPONSE_STATUS_HEADER, metrics, metricsRoute: config.METRICS_PORT === undefined,
    })
    await mail.start()
    // METRICS_PORT: /metrics on a listener of its own (on HOST), off the API's port.
    const metricsServer = metrics && config.METRICS_PORT !== undefined ? await serveMetrics(metrics, config.METRICS_PORT, config.HOST) : undefined
    // Old sign-in failure counters, per-email request windows and long-expired mailed tokens are
    // deleted at start and every few minutes, so the tables hold only rows that still count
    // (however many emails a guesser tried).
    let pruned: Promise<unknown> = Promise.resolve()
    const prune = () => {
      const oldestKept = new Date(deps.clock.now().getTime() - config.AUTH_LOG_RETENTION_DAYS * 86_400_000)
      pruned = Promise.all([forgetQuietFailures(deps), forgetOldMailRequests(deps), pruneAuthLog(db, oldestKept)])
        .catch((error) => server.log.warn({ err: error }, 'pruning old sign-in failures and mail requests failed'))
    }
    const pruning = setInterval(prune, PRUNE_INTERVAL_MS)
    pruning.unref()
    prune()
    let closing: Promise<void> | undefined
    return {
      server,
      deps,
      bootstrap,
      metricsServer,
      mail,
      flushLogs,
      logSynchronously,
      close: () => (closing ??= (clearInterval(pruning), Promise.all([server.close(), closeServer(metricsServer)])
        .then(() => mail.stop()).then(stopFollowing).then(() => pruned).then(() => db.close()).finally(releaseLogs))),
    }
  } catch (error) {
    await db.close().catch(() => {})
    throw error
  }
}
