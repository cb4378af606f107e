import pg from 'pg'
import { PGlite } from '@electric-sql/pglite'
import { securePrivateDir } from './dataDir.js'
import { lockDataDir } from './dataDirLock.js'

// One interface over two engines: PostgreSQL through `pg` and PGlite (PostgreSQL compiled to
// WASM, embedded in the process). The SQL is the same for both; only connection handling differs.

export interface QueryResult<R> {
  rows: R[]
  rowCount: number
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>
}

export interface Transaction extends Queryable {
  /** Runs several statements separated by semicolons (migrations). */
  exec(sql: string): Promise<void>
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite'
  /**
   * Runs `fn` in one transaction. It commits when `fn` returns, unless `fn` returns a failed
   * result (`{ ok: false }`): then it rolls back, so a rejected call changes nothing.
   * A thrown error rolls back too and is re-thrown.
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>
  /**
   * Receives NOTIFY messages on `channel` (sent with pg_notify, delivered at commit). `onReset`
   * runs when the connection was lost and re-made: messages may have been missed meanwhile.
   * Resolves to a function that stops listening.
   */
  listen(channel: string, onMessage: (payload: string) => void, onReset?: () => void): Promise<() => Promise<void>>
  close(): Promise<void>
  /** PostgreSQL only: the pool's connections right now (for the metrics). */
  poolStats?(): { total: number; idle: number; waiting: number; max: number }
}

const isFailure = (value: unknown) =>
  typeof value === 'object' && value !== null && (value as { ok?: unknown }).ok === false

class Rollback<T> {
  constructor(readonly value: T) {}
}

export function createPostgresDb(connectionString: string, options: { max?: number } = {}): Db {
  const max = options.max ?? 10
  // A database that does not answer fails a request within seconds (503), rather than holding it.
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 5000, query_timeout: 15_000 })
  // An idle client losing its connection (server restart) must not crash the process;
  // the pool drops it and the next query gets a fresh one.
  pool.on('error', () => {})
  let ended = false
  return {
    kind: 'postgres',
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max }),
    async listen(channel, onMessage, onReset) {
      // A connection of its own, outside the pool: LISTEN belongs to one session.
      let client: pg.Client | null = null
      let stopped = false
      let retry: NodeJS.Timeout | undefined
      // The first attempt fails listen() itself (the caller stops); later ones retry every second.
      const connect = async (first = false): Promise<void> => {
        const next = new pg.Client({ connectionString })
        next.on('notification', (message) => {
          if (message.channel === channel && message.payload !== undefined) onMessage(message.payload)
        })
        next.on('error', () => {
          if (stopped || client !== next) return
          client = null
          next.end().catch(() => {})
          retry = setTimeout(() => { connect().then(() => onReset?.(), () => {}) }, 1000)
        })
        try {
          await next.connect()
          await next.query(`LISTEN ${channel}`)
        } catch (error) {
          next.end().catch(() => {})
          if (stopped || first) throw error
          retry = setTimeout(() => { connect().then(() => onReset?.(), () => {}) }, 1000)
          throw error
        }
        // Stopped while this attempt was under way: nobody would ever end it.
        if (stopped) {
          next.end().catch(() => {})
          return
        }
        client = next
      }
      await connect(true)
      return async () => {
        stopped = true
        clearTimeout(retry)
        await client?.end().catch(() => {})
      }
    },
    async query<R>(sql: string, params: unknown[] = []) {
      const result = await pool.query(sql, params)
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 }
    },
    async transaction<T>(fn: (tx: Transaction) => Promise<T>) {
      const client = await pool.connect()
      // A checked-out client has none of the pool's 'error' listeners: a connection lost between
      // two statements (the server stopping) would be an unhandled 'error' event and end the
      // process. The loss shows as the next statement's failure (503); the client is destroyed.
      let lost = false
      const onLost = () => { lost = true }
      client.on('error', onLost)
      const tx: Transaction = {
        async query<R>(sql: string, params: unknown[] = []) {
          const result = await client.query(sql, params)
          return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 }
        },
        async exec(sql: string) {
          await client.query(sql)
        },
      }
      let broken = false
      try {
        await client.query('BEGIN')
        const value = await fn(tx)
        await client.query(isFailure(value) ? 'ROLLBACK' : 'COMMIT')
        return value
      } catch (error) {
        await client.query('ROLLBACK').catch(() => { broken = true })
        throw error
      } finally {
        client.release(broken || lost)
        client.off('error', onLost)
      }
    },
    async close() {
      if (ended) return
      ended = true
      await pool.end()
    },
  }
}

/**
 * Without a directory the database lives in memory (tests); with one it persists. `loadDataDir`
 * starts an in-memory database from a copy of another's files (PGlite's dumpDataDir), which
 * skips the seconds initdb takes.
 */
export async function createPgliteDb(dataDir?: string, options: { loadDataDir?: Blob } = {}): Promise<Db> {
  const lite = await PGlite.create(dataDir, options.loadDataDir ? { loadDataDir: options.loadDataDir } : {})
  return {
    kind: 'pglite',
    async listen(channel, onMessage) {
      // One process, one database: notifications arrive in-process, at commit, like PostgreSQL's.
      const stop = await lite.listen(channel, onMessage)
      return async () => { if (!lite.closed) await stop() }
    },
    async query<R>(sql: string, params: unknown[] = []) {
      const result = await lite.query<R>(sql, params)
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length }
    },
    async transaction<T>(fn: (tx: Transaction) => Promise<T>) {
      try {
        return await lite.transaction(async (liteTx) => {
          const tx: Transaction = {
            async query<R>(sql: string, params: unknown[] = []) {
              const result = await liteTx.query<R>(sql, params)
              return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length }
            },
            async exec(sql: string) {
              await liteTx.exec(sql)
            },
          }
          const value = await fn(tx)
          if (isFailure(value)) throw new Rollback(value)
          return value
        })
      } catch (error) {
        if (error instanceof Rollback) return error.value as T
        throw error
      }
    },
    async close() {
      if (!lite.closed) await lite.close()
    },
  }
}

export interface OpenedDb extends Db {
  /** PGlite: DATA_DIR was open to other accounts until this open made it private (worth a warning). */
  readonly dataDirMadePrivate: boolean
}

export async function openDb(config: { DATABASE_URL?: string | undefined; DATA_DIR: string }): Promise<OpenedDb> {
  if (config.DATABASE_URL) return Object.assign(createPostgresDb(config.DATABASE_URL), { dataDirMadePrivate: false })
  // Closed before PGlite opens a file in it, and once more after: PGlite unpacks a new database
  // with the umask's modes. Files it makes later are PostgreSQL's own 0600, in a 0700 directory.
  const { fixed } = await securePrivateDir(config.DATA_DIR)
  const unlock = await lockDataDir(config.DATA_DIR)
  let db: Db
  try {
    db = await createPgliteDb(config.DATA_DIR)
  } catch (error) {
    await unlock()
    throw error
  }
  const closeDb = db.close
  const close = async () => {
    await closeDb()
    await unlock()
  }
  try {
    await securePrivateDir(config.DATA_DIR)
  } catch (error) {
    await close().catch(() => {})
    throw error
  }
  return Object.assign(db, { dataDirMadePrivate: fixed, close })
}
