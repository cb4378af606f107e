import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Command } from 'commander'
import { ConfigError, loadConfig, type Config } from './config/env.js'
import { createApp, heldMailDir } from './app.js'
import { loadSecretBox } from './config/encryptionKey.js'
import { readHeldMail } from './mail/heldMail.js'
import { openDb } from './db/db.js'
import { migrate } from './db/migrate.js'
import type { BootstrapOutcome } from './model/bootstrap/ensureBootstrapKeys.js'

/** Config errors are one line and exit code 1; nothing else is printed. */
function configOrExit(): Config {
  try {
    return loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`tenant-api: ${error.message}\n`)
      process.exit(1)
    }
    throw error
  }
}

function announceGenerated(outcome: BootstrapOutcome): void {
  const lines = Object.entries(outcome.generated).map(([name, token]) =>
    `  ${name === 'root' ? 'CONTEMBER_ROOT_TOKEN ' : 'CONTEMBER_LOGIN_TOKEN'} = ${token}`)
  if (lines.length === 0) return
  // Printed once, to the terminal and not the log: only the hashes are kept, so this is the one
  // chance to copy them. Later starts reuse them; setting the variables rotates them.
  process.stdout.write([
    '',
    '=== tenant-api generated special tokens (shown only this once; store them now) ===',
    ...lines,
    '=== the root token is a super admin; the login token may only sign in ===',
    '',
  ].join('\n') + '\n')
}

async function serve(): Promise<void> {
  const config = configOrExit()
  const app = await createApp(config)
  announceGenerated(app.bootstrap)
  for (const name of app.bootstrap.rotated) app.server.log.info(`${name} token rotated from the environment`)
  if (app.bootstrap.rootPersonCreated) app.server.log.info('created the root person from CONTEMBER_ROOT_EMAIL')
  if (app.bootstrap.dataDirMadePrivate) {
    app.server.log.warn(`DATA_DIR ${config.DATA_DIR} was readable or writable by other accounts; made it private (owner only)`)
  }
  if (app.bootstrap.encryptionKeyGenerated) {
    app.server.log.warn(`generated an encryption key in ${config.DATA_DIR}/encryption.key; set TENANT_ENCRYPTION_KEY in production`)
  }
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    app.logSynchronously()
    app.server.log.info(`${signal} received, finishing in-flight requests`)
    const force = setTimeout(() => {
      app.server.log.error('shutdown timed out, exiting')
      // Not process.exit: it waits for the hashing threads (libuv joins them at exit), so a
      // password check still running would hold the process. SIGKILL ends it now (status 137).
      app.flushLogs()
      // As process 1 (in a container) the kernel ignores a signal sent to ourselves, so there
      // exit is the way, waiting at most for a hash already running (well under a second).
      if (process.pid === 1) process.exit(137)
      process.kill(process.pid, 'SIGKILL')
    }, config.SHUTDOWN_TIMEOUT_MS)
    force.unref()
    // First every new request is answered 503 (also those queued to be accepted, which closing
    // the listener at once would reset), then the listener closes and in-flight requests finish.
    app.server.beginDrain()
    setTimeout(() => {
      app.close().then(() => process.exit(0), (error) => {
        app.server.log.error({ err: error }, 'shutdown failed')
        process.exit(1)
      })
    }, config.SHUTDOWN_DRAIN_MS)
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  await app.server.listen({ port: config.PORT, host: config.HOST })
  app.server.log.info(`tenant-api on http://${config.HOST}:${(app.server.server.address() as { port: number }).port}/tenant ` +
    `(${config.DATABASE_URL ? 'PostgreSQL' : `PGlite in ${config.DATA_DIR}`})`)
  const metricsAddress = app.metricsServer?.address()
  if (metricsAddress && typeof metricsAddress === 'object') app.server.log.info(`metrics on http://${config.HOST}:${metricsAddress.port}/metrics`)
}

async function migrateCommand(): Promise<void> {
  const config = configOrExit()
  const db = await openDb(config)
  if (db.dataDirMadePrivate) process.stderr.write(`tenant-api: DATA_DIR ${config.DATA_DIR} was readable or writable by other accounts; made it private (owner only)\n`)
  try {
    const applied = await migrate(db)
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n')
  } finally {
    await db.close()
  }
}

async function bootstrapCommand(): Promise<void> {
  const config = configOrExit()
  const app = await createApp({ ...config, LOG_LEVEL: 'warn' })
  announceGenerated(app.bootstrap)
  if (Object.keys(app.bootstrap.generated).length === 0) process.stdout.write('root and login tokens are in place\n')
  await app.close()
}

async function outboxCommand(options: { limit: string }): Promise<void> {
  const config = configOrExit()
  const limit = Number(options.limit)
  if (!Number.isSafeInteger(limit) || limit < 1) throw new Error('--limit must be a whole number of at least 1')
  const { box } = await loadSecretBox(config)
  const mails = await readHeldMail(heldMailDir(config), box, limit)
  if (mails.length === 0) {
    process.stdout.write(`no held mail in ${heldMailDir(config)} (mail is held only while no mailer is configured)\n`)
    return
  }
  for (const mail of mails) {
    process.stdout.write(`${mail.createdAt}  ${mail.type}  to ${mail.to}  (${mail.id})\n`)
    if (!mail.content) {
      process.stdout.write(`Subject: ${mail.subject}\n(sealed with an encryption key that is not configured here)\n\n`)
      continue
    }
    process.stdout.write(`Subject: ${mail.content.subject}\n\n${mail.content.text}\n\n`)
  }
}

// What `--help` lists after the commands: every setting, so an operator needs no other page.
const environmentHelp = `
Environment (each checked at start; README.md, "Configuration", says more):
  PORT (4000), HOST (127.0.0.1)            where to listen
  DATABASE_URL                             postgres://user:password@host:5432/db; unset: embedded PGlite
  DATA_DIR (./data)                        PGlite's folder (one process at a time)
  CONTEMBER_ROOT_TOKEN, CONTEMBER_LOGIN_TOKEN  the special tokens (generated at first start when unset)
  CONTEMBER_ROOT_EMAIL, CONTEMBER_ROOT_PASSWORD  a super-admin person made at start
  TENANT_ENCRYPTION_KEY, TENANT_ENCRYPTION_OLD_KEYS  key for secrets at rest (required with DATABASE_URL)
  OTP_ISSUER (tenant-api)                  issuer shown by authenticator apps
  LOG_LEVEL (info), BODY_LIMIT (1048576), TOKEN_CACHE_TTL_MS (60000), SHUTDOWN_TIMEOUT_MS (10000),
  SHUTDOWN_DRAIN_MS (250)
  GRAPHQL_MAX_DOCUMENT_BYTES, GRAPHQL_MAX_TOKENS, GRAPHQL_MAX_ALIASES, GRAPHQL_MAX_FIELDS,
  GRAPHQL_MAX_COST, GRAPHQL_MAX_DEPTH, GRAPHQL_MAX_PASSWORD_CHECKS, GRAPHQL_CACHE_SIZE,
  GRAPHQL_INTROSPECTION                    what one request may cost
  GRAPHIQL (true)                          serve GraphiQL at /graphiql
  LOG_FORMAT (json|pretty), TRUST_PROXY    log lines; proxies whose X-Forwarded-For/X-Request-Id count
  GEO_COUNTRY_HEADER                       where a trusted proxy reports the client's country (CF-IPCountry)
  METRICS (true), METRICS_PORT             Prometheus /metrics (on its own port when METRICS_PORT is set)
  CORS_ORIGINS                             browser origins that may call the API (unset: none)
  TENANT_MAILER_HOST, TENANT_MAILER_PORT (25), TENANT_MAILER_FROM, TENANT_MAILER_USER,
  TENANT_MAILER_PASSWORD, TENANT_MAILER_SECURE, TENANT_MAILER_REQUIRE_TLS  SMTP (unset: mail is held,
                                           see tenant-api outbox)
  TENANT_MAILER_WEBHOOK                    POST each mail as JSON to this URL instead of SMTP
  MAIL_MAX_ATTEMPTS (20), MAIL_RETRY_DELAY_MS (5000), MAIL_POLL_INTERVAL_MS (5000)  delivery retries
`

const program = new Command()
  .name('tenant-api')
  .description('Identity and access service with a Contember-compatible Tenant API.\nSettings come from the environment; see README.md.')
  .version(packageVersion(), '-v, --version', 'print the version')
  .addHelpText('after', environmentHelp)
program.command('serve').description('migrate the database, then serve POST /tenant').action(serve)
program.command('migrate').description('apply database migrations and exit').action(migrateCommand)
program.command('outbox').description('show the newest mails held while no mailer is configured (development)')
  .option('-n, --limit <count>', 'how many', '10').action(outboxCommand)
program.command('bootstrap').description('migrate and make sure the root and login tokens exist, then exit').action(bootstrapCommand)

// Without a command, help: starting a server is something to ask for (`serve`), not a default.
if (process.argv.length <= 2) {
  program.outputHelp()
} else {
  program.parseAsync(process.argv).catch((error: unknown) => {
    process.stderr.write(`tenant-api: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  })
}

function packageVersion(): string {
  const file = fileURLToPath(new URL('../package.json', import.meta.url))
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
}
