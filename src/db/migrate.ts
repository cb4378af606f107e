import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Db } from './db.js'
import { migrationsDir } from '../paths.js'

// Any 64-bit number works as long as nothing else in the database uses it; this one spells
// "tenant" in ASCII, so it is recognisable in pg_locks.
const MIGRATION_LOCK = '128043282625652'

export interface Migration {
  version: string
  sql: string
}

export async function loadMigrations(dir = migrationsDir): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort()
  return Promise.all(files.map(async (file) => ({
    version: file.replace(/\.sql$/, ''),
    sql: await readFile(join(dir, file), 'utf8'),
  })))
}

/**
 * Applies the migrations not applied yet, in order, in one transaction. The transaction-scoped
 * advisory lock makes nodes that start at the same time wait for each other, so each
 * migration runs once; running it again finds nothing to do.
 */
export async function migrate(db: Db, migrations?: Migration[]): Promise<string[]> {
  const all = migrations ?? await loadMigrations()
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`)
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migration (
      version    text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`)
    const { rows } = await tx.query<{ version: string }>('SELECT version FROM schema_migration')
    const done = new Set(rows.map((r) => r.version))
    const applied: string[] = []
    for (const m of all) {
      if (done.has(m.version)) continue
      await tx.exec(m.sql)
      await tx.query('INSERT INTO schema_migration (version) VALUES ($1)', [m.version])
      applied.push(m.version)
    }
    return applied
  })
}
