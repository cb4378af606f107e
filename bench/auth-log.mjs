#!/usr/bin/env node
// How fast a filtered page of the auth log is at millions of entries (issue 15: "an index that
// keeps a filtered page fast at 10 million rows"). Makes a fresh database on 127.0.0.1:5432,
// migrates it (the build's migrations), fills auth_log inside PostgreSQL with INSERT ... SELECT
// generate_series (entries of 12 types over a year, for 200,000 persons and 5,000 callers and
// addresses), then times the first page (100) and a deep page (offset 10,000) of the query
// `authLog` runs (src/db/queries/authLog.ts) for each filter, and prints a Markdown table with
// the plan's top node. Drops the database at the end.
//
// usage: npm run build && node bench/auth-log.mjs [--rows 10000000] [--pg postgres://postgres@127.0.0.1:5432/postgres]
import pg from 'pg'
import { randomBytes } from 'node:crypto'
import os from 'node:os'
import { assertLoopbackDatabase } from './seed.mjs'
import { migrate } from '../dist/db/migrate.js'
import { createPostgresDb } from '../dist/db/db.js'
import { selectAuthLog } from '../dist/db/queries/authLog.js'

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : fallback
}
const rows = Number(option('--rows', '10000000'))
const adminUrl = option('--pg', 'postgres://postgres@127.0.0.1:5432/postgres')
assertLoopbackDatabase(adminUrl)
if (!Number.isSafeInteger(rows) || rows < 1000) throw new Error('--rows must be a whole number of at least 1000')

const say = (line) => process.stderr.write(`auth-log bench: ${line}\n`)
const admin = new pg.Client({ connectionString: adminUrl })
await admin.connect()
const name = `bench_authlog_${randomBytes(4).toString('hex')}`
await admin.query(`CREATE DATABASE "${name}"`)
const url = new URL(adminUrl)
url.pathname = `/${name}`
const db = createPostgresDb(url.href)
try {
  await migrate(db)
  const started = performance.now()
  say(`filling auth_log with ${rows.toLocaleString('en')} entries …`)
  // Uuids from md5 (version 4 layout), so filters can name persons and callers that exist.
  const uuid = (expr) => `(substr(md5(${expr}), 1, 8) || '-' || substr(md5(${expr}), 9, 4) || '-4' || substr(md5(${expr}), 14, 3) || '-8' || substr(md5(${expr}), 18, 3) || '-' || substr(md5(${expr}), 21, 12))::uuid`
  await db.query(`
    INSERT INTO auth_log (created_at, type, success, invoked_by_identity_id, person_id, target_person_id, person_input_identifier, error_code, ip_address, user_agent, metadata)
    SELECT timestamptz '2026-01-01' + (n * (365 * 86400.0 / $1)) * interval '1 second',
           (ARRAY['login','login','login','login','login','create_session_token','password_change','person_disable','global_role_grant','api_key_create','project_membership_create','tenant_config_change'])[1 + n % 12],
           n % 7 <> 0,
           ${uuid("'caller' || (n % 5000)")},
           CASE WHEN n % 12 < 5 THEN ${uuid("'person' || (n % 200000)")} END,
           CASE WHEN n % 12 >= 5 THEN ${uuid("'person' || ((n * 7) % 200000)")} END,
           CASE WHEN n % 12 < 5 THEN 'seed-' || (n % 200000) || '@bench.example' END,
           CASE WHEN n % 7 = 0 THEN 'INVALID_PASSWORD' END,
           '10.' || (n % 250) || '.' || ((n / 250) % 250) || '.' || (n % 97),
           'bench-agent/' || (n % 40),
           '{}'::jsonb
      FROM generate_series(1, $1) AS n`, [rows])
  await db.query('ANALYZE auth_log')
  say(`filled in ${((performance.now() - started) / 1000).toFixed(0)} s`)

  const person = (await db.query(`SELECT ${uuid("'person' || 12345")} AS id`)).rows[0].id
  const caller = (await db.query(`SELECT ${uuid("'caller' || 42")} AS id`)).rows[0].id
  const filters = [
    ['none', {}],
    ['types: [login]', { types: ['login'] }],
    ['types: [person_disable]', { types: ['person_disable'] }],
    ['success: false', { success: false }],
    ['personId', { personId: person }],
    ['targetPersonId', { targetPersonId: person }],
    ['invokedByIdentityId', { invokedByIdentityId: caller }],
    ['personInputIdentifier', { personInputIdentifier: 'seed-12345@bench.example' }],
    ['createdAfter/Before (one day)', { createdAfter: new Date('2026-06-01'), createdBefore: new Date('2026-06-02') }],
    ['types + success + time', { types: ['login'], success: false, createdAfter: new Date('2026-03-01'), createdBefore: new Date('2026-04-01') }],
  ]
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
  const time = async (filter, offset) => {
    const runs = []
    let count = 0
    for (let i = 0; i < 11; i++) {
      const t0 = performance.now()
      count = (await selectAuthLog(db, filter, 100, offset)).length
      runs.push(performance.now() - t0)
    }
    return { ms: median(runs), count }
  }
  const lines = [
    `Date: ${new Date().toISOString()}. Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node ${process.version}, ${(await db.query('SHOW server_version')).rows[0].server_version} on 127.0.0.1.`,
    `auth_log: ${rows.toLocaleString('en')} entries over a year; median of 11 runs of the query \`authLog\` runs, 100 per page.`,
    '',
    '| filter | first page ms | entries | page at offset 10,000 ms |',
    '| --- | --- | --- | --- |',
  ]
  for (const [label, filter] of filters) {
    const first = await time(filter, 0)
    const deep = await time(filter, 10_000)
    lines.push(`| ${label} | ${first.ms.toFixed(1)} | ${first.count === 101 ? '100 (more follow)' : first.count} | ${deep.ms.toFixed(1)} |`)
  }
  process.stdout.write(`${lines.join('\n')}\n`)
} finally {
  await db.close()
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
  await admin.end()
}
