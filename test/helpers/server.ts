import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'
import { createApp, type App } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config/env.js'
import { createPgliteDb, createPostgresDb, type Db } from '../../src/db/db.js'
import type { Clock } from '../../src/model/clock.js'
import { generateToken } from '../../src/model/tokens.js'
import { generateKey } from '../../src/model/secrets.js'
import { backend, createTestDatabaseUrl, dropTestDatabases, openTestDb } from './db.js'

export interface TestServer {
  app: App
  url: string
  rootToken: string
  loginToken: string
  /** POST /tenant with a JSON GraphQL body; answers status and parsed body. */
  gql<T = any>(query: string, options?: { token?: string | null; variables?: Record<string, unknown> }): Promise<{ status: number; body: T }>
  /** Raw HTTP to the server, for the cases GraphQL clients never send. */
  fetch(path: string, init?: RequestInit): Promise<Response>
  close(): Promise<void>
}

/** DATA_DIR of every test server of this file (the database is injected; held mail lands here). */
export const testDataDir = await mkdtemp(join(tmpdir(), 'tenant-api-data-'))

/** One key for the whole file, so restarted servers read what earlier ones encrypted. */
export const testEncryptionKey = generateKey()

const open: TestServer[] = []
after(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()))
  await dropTestDatabases()
})

export interface StartOptions {
  env?: Record<string, string>
  clock?: Clock
  /** Reuse a database (restart tests); by default each server gets a fresh one. */
  db?: Db
  /** Receives the log lines (set LOG_LEVEL in env) instead of stdout. */
  logStream?: NodeJS.WritableStream
}

/** Starts tenant-api in-process on a random loopback port, on a fresh database. */
export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const rootToken = options.env?.CONTEMBER_ROOT_TOKEN ?? generateToken()
  const loginToken = options.env?.CONTEMBER_LOGIN_TOKEN ?? generateToken()
  const config: Config = loadConfig({
    PORT: '0',
    // Held mail (no mailer configured) is written under DATA_DIR: never into the working tree.
    DATA_DIR: testDataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    CONTEMBER_ROOT_TOKEN: rootToken,
    CONTEMBER_LOGIN_TOKEN: loginToken,
    TENANT_ENCRYPTION_KEY: testEncryptionKey,
    ...options.env,
  })
  const db = options.db ?? await openTestDb()
  const app = await createApp(config, { db, clock: options.clock, logStream: options.logStream })
  await app.server.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.server.address() as { port: number }
  const url = `http://127.0.0.1:${port}`
  let closed = false
  const server: TestServer = {
    app,
    url,
    rootToken,
    loginToken,
    async gql(query, { token = rootToken, variables } = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (token !== null) headers.authorization = `Bearer ${token}`
      const res = await fetch(`${url}/tenant`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) })
      return { status: res.status, body: await res.json() }
    },
    fetch: (path, init) => fetch(`${url}${path}`, init),
    async close() {
      if (closed) return
      closed = true
      await app.close()
    },
  }
  open.push(server)
  return server
}

/** Opens a second handle on the same database as a closed server had (restart tests). */
export async function persistentDb(): Promise<{ reopen(): Promise<Db> }> {
  if (backend === 'pglite') {
    const dir = await mkdtemp(join(tmpdir(), 'tenant-api-test-'))
    return { reopen: () => createPgliteDb(dir) }
  }
  const url = await createTestDatabaseUrl()
  return { reopen: async () => createPostgresDb(url) }
}
