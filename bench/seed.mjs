#!/usr/bin/env node
// Fills a tenant-api database on PostgreSQL with a large population, for the load figures on a
// database that is not empty (bench/suite.mjs, scenarios f and g). Everything is generated inside
// PostgreSQL with INSERT ... SELECT generate_series(...), one statement per table, so no rows
// travel over the wire and no extra package is needed.
//
// usage: node bench/seed.mjs --database-url postgres://postgres@127.0.0.1:5432/db
//          [--persons 1000000] [--projects 10000] [--memberships 1000000] [--big 100000]
//        The database must already have tenant-api's schema (`node bin/tenant-api.js migrate`,
//        or one start of the server) and no earlier seed. Only loopback databases are accepted.
//
// What it makes, as the application itself would store it:
//   - persons: one identity each (global roles {person}, as signUp stores them) and a person
//     with a lower-case, unique email `seed-<n>@bench.example`, name `seed-<n>`, no password
//     (password_hash NULL: a person who cannot sign in with a password);
//   - projects: `seed-big` and `seed-2` … `seed-<projects>`, each with an ACL whose role
//     `editor` has the entity variable `language` (the README's example);
//   - memberships: role `editor` with the variable `language` = {cs} or {cs,en}; the first
//     `big` persons are members of `seed-big`, the others are spread over the other projects.
//     Each person has at most one membership, so --memberships may not exceed --persons.
// Ids are UUIDs derived from md5 of a name and a number (version 4 layout), so rows of
// different tables refer to each other without a look-up, and they are scattered over the
// indexes like random ones.
import pg from 'pg'
import { pathToFileURL } from 'node:url'

export const SEED_DEFAULTS = Object.freeze({ persons: 1_000_000, projects: 10_000, memberships: 1_000_000, big: 100_000 })
export const BIG_PROJECT_SLUG = 'seed-big'
export const SEED_ACL = Object.freeze({
  acl: { roles: { editor: { variables: { language: { type: 'entity', entityName: 'Language' } } } } },
})

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]', '::1']

/** @param {string} url */
export function assertLoopbackDatabase(url) {
  const host = new URL(url).hostname
  if (!LOOPBACK.includes(host)) throw new Error(`benchmarks only use a database on loopback, not ${host}`)
}

/**
 * Seeds the database at `databaseUrl`. Returns the seconds each step took.
 * @param {string} databaseUrl
 * @param {{ persons?: number, projects?: number, memberships?: number, big?: number }} [counts]
 * @param {(line: string) => void} [log]
 */
export async function seed(databaseUrl, counts = {}, log = () => {}) {
  assertLoopbackDatabase(databaseUrl)
  const { persons, projects, memberships, big } = { ...SEED_DEFAULTS, ...counts }
  for (const [name, value] of Object.entries({ persons, projects, memberships, big })) {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a whole number, got ${value}`)
  }
  if (memberships > persons) throw new Error('memberships may not exceed persons (one membership per person)')
  if (big > memberships) throw new Error('big may not exceed memberships')
  if (projects < 2 && memberships > big) throw new Error('the memberships beyond --big need at least 2 projects')

  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  const steps = /** @type {Record<string, number>} */ ({})
  const step = async (/** @type {string} */ name, /** @type {string} */ sql, /** @type {unknown[]} */ params = []) => {
    const started = performance.now()
    const { rowCount } = await client.query(sql, params)
    const seconds = (performance.now() - started) / 1000
    steps[name] = seconds
    log(`seed: ${name}: ${rowCount ?? 0} rows in ${seconds.toFixed(1)} s`)
  }
  try {
    const { rows: [schema] } = await client.query(`SELECT to_regclass('project_membership_variable') IS NOT NULL AS ok`)
    if (!schema?.ok) throw new Error('the database has no tenant-api schema yet: start the server once or run `tenant-api migrate`')
    const { rows: [earlier] } = await client.query(`SELECT EXISTS (SELECT 1 FROM project WHERE slug = $1) AS seeded`, [BIG_PROJECT_SLUG])
    if (earlier?.seeded) throw new Error('this database was seeded already')

    // Losing the last seconds of a seed in a crash is fine; waiting for each commit's flush is not.
    await client.query('SET synchronous_commit = off')
    await client.query(`CREATE FUNCTION pg_temp.seed_uuid(kind text, n bigint) RETURNS uuid
      LANGUAGE sql IMMUTABLE AS $$
        SELECT (substr(h, 1, 12) || '4' || substr(h, 14, 3) || '8' || substr(h, 18, 15))::uuid FROM md5(kind || ':' || n) AS h
      $$`)
    // Creation times one second apart, oldest first, ending now: members are listed by them.
    await step('identities', `
      INSERT INTO identity (id, description, roles, created_at)
      SELECT pg_temp.seed_uuid('identity', g), NULL, '{person}', now() - ($1::bigint - g) * interval '1 second'
        FROM generate_series(1, $1::bigint) AS g`, [persons])
    await step('persons', `
      INSERT INTO person (id, identity_id, email, name, password_hash, created_at)
      SELECT pg_temp.seed_uuid('person', g), pg_temp.seed_uuid('identity', g), 'seed-' || g || '@bench.example', 'seed-' || g,
             NULL, now() - ($1::bigint - g) * interval '1 second'
        FROM generate_series(1, $1::bigint) AS g`, [persons])
    await step('projects', `
      INSERT INTO project (id, slug, name, config, created_at, updated_at)
      SELECT pg_temp.seed_uuid('project', p), CASE WHEN p = 1 THEN $2 ELSE 'seed-' || p END, 'Seed project ' || p, $3::jsonb, now(), now()
        FROM generate_series(1, $1::bigint) AS p`, [projects, BIG_PROJECT_SLUG, JSON.stringify(SEED_ACL)])
    // Membership g belongs to person g: the first `big` in project 1, the rest round-robin over 2..projects.
    await step('memberships', `
      INSERT INTO project_membership (id, project_id, identity_id, role, created_at)
      SELECT pg_temp.seed_uuid('membership', g),
             pg_temp.seed_uuid('project', CASE WHEN g <= $2::bigint THEN 1 ELSE 2 + g % ($3::bigint - 1) END),
             pg_temp.seed_uuid('identity', g), 'editor', now() - ($1::bigint - g) * interval '1 second'
        FROM generate_series(1, $1::bigint) AS g`, [memberships, big, Math.max(projects, 2)])
    await step('membership variables', `
      INSERT INTO project_membership_variable (id, membership_id, variable, "values")
      SELECT pg_temp.seed_uuid('variable', g), pg_temp.seed_uuid('membership', g), 'language',
             CASE WHEN g % 2 = 0 THEN '{cs}'::text[] ELSE '{cs,en}'::text[] END
        FROM generate_series(1, $1::bigint) AS g`, [memberships])
    // As a database that has lived a while: statistics for the planner, visibility maps and hint bits set.
    await step('vacuum analyze', 'VACUUM (ANALYZE) identity, person, project, project_membership, project_membership_variable')
    return steps
  } finally {
    await client.end()
  }
}

const isMain = process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href
if (isMain) {
  const arg = (/** @type {string} */ name, /** @type {string | undefined} */ fallback) => {
    const i = process.argv.indexOf(`--${name}`)
    return i >= 0 ? process.argv[i + 1] : fallback
  }
  const url = arg('database-url', process.env.DATABASE_URL)
  if (!url) {
    process.stderr.write('usage: node bench/seed.mjs --database-url postgres://postgres@127.0.0.1:5432/db [--persons N] [--projects N] [--memberships N] [--big N]\n')
    process.exit(2)
  }
  const counts = Object.fromEntries(['persons', 'projects', 'memberships', 'big']
    .filter((name) => arg(name, undefined) !== undefined).map((name) => [name, Number(arg(name, undefined))]))
  const started = performance.now()
  seed(url, counts, (line) => process.stderr.write(line + '\n')).then(() => {
    process.stderr.write(`seed: done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
  }, (error) => {
    process.stderr.write(`seed: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  })
}
