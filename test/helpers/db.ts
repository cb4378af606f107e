import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { createPgliteDb, createPostgresDb, type Db } from '../../src/db/db.js'

// The suite runs once on PGlite and once on PostgreSQL (scripts/test.mjs sets the backend).
// Every test file gets databases of its own, so runs and files never see each other's data.

export const backend: 'pglite' | 'postgres' = process.env.TENANT_TEST_BACKEND === 'postgres' ? 'postgres' : 'pglite'

const adminUrl = () => {
  const url = process.env.TEST_DATABASE_URL
  if (!url) throw new Error('TENANT_TEST_BACKEND=postgres needs TEST_DATABASE_URL')
  return url
}

const created: string[] = []

/** A new, empty PostgreSQL database; dropped by dropTestDatabases(). */
export async function createTestDatabaseUrl(): Promise<string> {
  const name = `tenant_api_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: adminUrl() })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  created.push(name)
  const url = new URL(adminUrl())
  url.pathname = `/${name}`
  return url.toString()
}

export async function dropTestDatabases(): Promise<void> {
  if (backend !== 'postgres' || created.length === 0) return
  const admin = new pg.Client({ connectionString: adminUrl() })
  await admin.connect()
  try {
    for (const name of created.splice(0)) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  } finally {
    await admin.end()
  }
}

/** A fresh, empty database of the backend under test (PGlite: in memory). */
export async function openTestDb(): Promise<Db> {
  if (backend === 'pglite') return createPgliteDb(undefined, { loadDataDir: await emptyCluster() })
  return createPostgresDb(await createTestDatabaseUrl())
}

let cluster: Promise<Blob> | undefined

/**
 * The files of a new, empty PGlite database. Making one runs initdb, which takes seconds of CPU,
 * while starting from a copy takes a fraction of one; so the first test process of a run makes
 * it and keeps it in node_modules/.cache (one per PGlite version; `npm ci` starts afresh), and every in-memory test
 * database starts from it, exactly as empty as a new one.
 */
function emptyCluster(): Promise<Blob> {
  cluster ??= (async () => {
    const modules = fileURLToPath(new URL('../../node_modules/', import.meta.url))
    const { version } = JSON.parse(await readFile(join(modules, '@electric-sql/pglite/package.json'), 'utf8')) as { version: string }
    const file = join(modules, '.cache', `tenant-api-test-pglite-${version}.tar`)
    try {
      return new Blob([await readFile(file)])
    } catch {
      const lite = await PGlite.create()
      const files = await lite.dumpDataDir('none')
      await lite.close()
      // Written aside and renamed: a process reading it never sees half a file.
      const partial = `${file}.${process.pid}`
      await mkdir(dirname(file), { recursive: true })
      await writeFile(partial, Buffer.from(await files.arrayBuffer()), { mode: 0o600 })
      await rename(partial, file)
      return files
    }
  })()
  return cluster
}
