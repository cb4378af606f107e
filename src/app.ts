import type { FastifyInstance } from 'fastify'
import type { Config } from './config/env.js'
import { openDb, type Db } from './db/db.js'
import { migrate } from './db/migrate.js'
import { systemClock, type Clock } from './model/clock.js'
import type { Deps } from './model/deps.js'
import { ensureBootstrapKeys, type BootstrapOutcome } from './model/bootstrap/ensureBootstrapKeys.js'
import { buildServer } from './http/server.js'
import { loadSecretBox } from './config/encryptionKey.js'
import { ensureRootPerson } from './model/bootstrap/ensureRootPerson.js'
import { TokenCache } from './model/auth/tokenCache.js'
import { followInvalidations } from './model/auth/revocation.js'

// The only wiring in the project: open the database, bring its schema up to date, make sure the
// special tokens exist, and build the HTTP server around one plain `deps` object.

export interface App {
  server: FastifyInstance
  deps: Deps
  bootstrap: BootstrapOutcome
  /** Stops accepting, lets in-flight requests finish, then closes the database. */
  close(): Promise<void>
}

export interface AppOverrides {
  db?: Db
  clock?: Clock
}

export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const db = overrides.db ?? await openDb(config)
  try {
    await migrate(db)
    const secrets = await loadSecretBox(config)
    const deps: Deps = { db, clock: overrides.clock ?? systemClock, secrets: secrets.box, otpIssuer: config.OTP_ISSUER, tokens: new TokenCache(config.TOKEN_CACHE_TTL_MS) }
    const bootstrap = await ensureBootstrapKeys(deps, {
      root: config.CONTEMBER_ROOT_TOKEN,
      login: config.CONTEMBER_LOGIN_TOKEN,
    })
    if (config.CONTEMBER_ROOT_EMAIL && config.CONTEMBER_ROOT_PASSWORD) {
      bootstrap.rootPersonCreated = await ensureRootPerson(deps, config.CONTEMBER_ROOT_EMAIL, config.CONTEMBER_ROOT_PASSWORD)
    }
    bootstrap.encryptionKeyGenerated = secrets.generated
    // Listening starts before serving, so no change committed after the first request is missed.
    const stopFollowing = await followInvalidations(db, deps.tokens)
    const server = await buildServer(deps, { bodyLimit: config.BODY_LIMIT, logLevel: config.LOG_LEVEL })
    let closing: Promise<void> | undefined
    return {
      server,
      deps,
      bootstrap,
      close: () => (closing ??= server.close().then(stopFollowing).then(() => db.close())),
    }
  } catch (error) {
    await db.close().catch(() => {})
    throw error
  }
}
