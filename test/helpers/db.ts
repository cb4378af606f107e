import { randomBytes } from 'node:crypto'
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
  if (backend === 'pglite') return createPgliteDb()
  return createPostgresDb(await createTestDatabaseUrl())
}
