import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { createPostgresDb } from '../../src/db/db.js'
import { loadMigrations, migrate } from '../../src/db/migrate.js'
import { backend, createTestDatabaseUrl, dropTestDatabases, openTestDb } from '../helpers/db.js'

after(dropTestDatabases)

test('migrate: applies every migration once; a second run does nothing', async () => {
  const db = await openTestDb()
  const all = (await loadMigrations()).map((m) => m.version)
  assert.deepEqual(await migrate(db), all)
  assert.deepEqual(await migrate(db), [])
  const { rows } = await db.query<{ version: string }>('SELECT version FROM schema_migration ORDER BY version')
  assert.deepEqual(rows.map((r) => r.version), all)
  await db.close()
})

test('migrate: a failing migration leaves nothing behind', async () => {
  const db = await openTestDb()
  await assert.rejects(migrate(db, [
    { version: '001_ok', sql: 'CREATE TABLE first_one (id int)' },
    { version: '002_broken', sql: 'CREATE TABLE second_one (id nonsense_type)' },
  ]))
  const { rows } = await db.query<{ t: string | null }>(`SELECT to_regclass('first_one')::text AS t`)
  assert.equal(rows[0]!.t, null)
  await db.close()
})

test('migrate: nodes migrating at the same time apply each migration once', { skip: backend !== 'postgres' && 'needs several connections' }, async () => {
  const url = await createTestDatabaseUrl()
  const nodes = [createPostgresDb(url), createPostgresDb(url), createPostgresDb(url)]
  const results = await Promise.all(nodes.map((db) => migrate(db)))
  assert.equal(results.flat().length, (await loadMigrations()).length)
  await Promise.all(nodes.map((db) => db.close()))
})

test('migrate: the schema has the constraints the code relies on', async () => {
  const db = await openTestDb()
  await migrate(db)
  const { rows } = await db.query<{ name: string }>(
    `SELECT conname AS name FROM pg_constraint WHERE connamespace = 'public'::regnamespace`)
  const names = new Set(rows.map((r) => r.name))
  for (const name of ['person_email_unique', 'api_key_token_hash_unique', 'project_slug_unique', 'project_membership_unique',
    'project_membership_variable_unique', 'api_key_identity_fk', 'person_identity_fk']) {
    assert.ok(names.has(name), `missing ${name}`)
  }
  // Timestamps keep their time zone.
  const { rows: columns } = await db.query<{ type: string }>(
    `SELECT DISTINCT data_type AS type FROM information_schema.columns WHERE table_schema = 'public' AND column_name LIKE '%_at'`)
  assert.deepEqual(columns.map((c) => c.type), ['timestamp with time zone'])
  await db.close()
})
