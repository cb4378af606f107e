import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import {
  buildClientSchema, getIntrospectionQuery, getNamedType, isEnumType, isInputObjectType, isInterfaceType, isListType,
  isNonNullType, isObjectType, isScalarType, parse,
  type GraphQLField, type GraphQLInputObjectType, type GraphQLInputType, type GraphQLOutputType, type GraphQLSchema, type IntrospectionQuery,
} from 'graphql'
import { checkDocument, defaultRequestLimits, PASSWORD_FIELDS } from '../../src/graphql/limits.js'
import { MAX_LIST_ITEMS, MAX_LONG_STRING_LENGTH, MAX_NESTING, MAX_STRING_LENGTH } from '../../src/graphql/inputLimits.js'
import { payload, signInPerson, signUpPerson } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'

// A seeded, bounded fuzz of the whole GraphQL API. Every Query and Mutation field of the running
// server's schema (by introspection, so new operations are covered without touching this file) is
// called by every kind of caller with generated arguments: plausible ones, wrongly typed ones
// (as variables, so they reach coercion), nulls, oversized strings, lists and Json, unicode edge
// cases, and edge values (huge and negative numbers, deep Json, odd dates and intervals, random
// enum values); some requests carry junk headers or odd content types. Three phases: a probe (a
// plausible call of every field by each caller, to learn who gets past which permission check),
// a sweep (values of each type that broke something once, on every argument and input field,
// whatever the seed) and the seeded random cases. For every answer:
//   - the status is below 500 and no GraphQL error is an internal one;
//   - the body shows no stack trace, no SQL or database message, nothing of PGlite or pg_ internals;
//   - a call that was refused (a 4xx, a GraphQL error, or `ok: false`) changed no table, and a read
//     changed none either (tables and columns written on purpose by refused calls aside, below).
// The seed (20261129 unless FUZZ_SEED says another, or `random`) is printed; FUZZ_SEED=<seed> repeats a run. FUZZ_BUDGET_MS bounds the time spent
// sending (default 40 s): cases left when it runs out are skipped and the count is reported.

const seed = parseSeed(process.env.FUZZ_SEED)
const budgetMs = Number(process.env.FUZZ_BUDGET_MS ?? 40_000)
/** FUZZ_TRACE=signUp,signIn prints every request to those fields and its answer. */
const trace = new Set((process.env.FUZZ_TRACE ?? '').split(',').map((f) => f.trim()).filter(Boolean))
console.log(`# fuzz seed ${seed} (FUZZ_SEED=${seed} repeats this run)`)

function parseSeed(text: string | undefined): number {
  // A fixed seed by default, so a red run is a real finding that repeats; FUZZ_SEED=random explores.
  if (text === undefined || text.trim() === '') return 20261129
  if (text.trim() === 'random') return randomInt(2 ** 31)
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) >>> 0
  // Any other text is hashed, so FUZZ_SEED=whatever works too.
  let h = 2166136261
  for (const c of text) h = Math.imul(h ^ c.codePointAt(0)!, 16777619) >>> 0
  return h
}

// ---------------------------------------------------------------------------------------------
// Randomness: everything generated below comes from this one seeded generator (sfc32).

class Rng {
  private a: number; private b: number; private c: number; private d: number
  constructor(seed: number) {
    this.a = 0x9e3779b9; this.b = 0x243f6a88; this.c = 0xb7e15162; this.d = seed >>> 0
    for (let i = 0; i < 20; i++) this.next()
  }
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return (t >>> 0) / 4294967296
  }
  int(n: number): number { return Math.floor(this.next() * n) }
  between(min: number, max: number): number { return min + this.int(max - min + 1) }
  chance(p: number): boolean { return this.next() < p }
  pick<T>(items: readonly T[]): T { return items[this.int(items.length)]! }
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      ;[items[i], items[j]] = [items[j]!, items[i]!]
    }
    return items
  }
  hex(n: number): string { return Array.from({ length: n }, () => '0123456789abcdef'[this.int(16)]).join('') }
  uuid(): string { const h = this.hex(32); return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}` }
  word(): string { return this.pick(WORDS) + (this.chance(0.5) ? this.int(1000) : '') }
}

const WORDS = ['alpha', 'lamp', 'river', 'stone', 'cedar', 'editor', 'viewer', 'chief', 'orbit', 'quartz', 'maple', 'delta', 'ember', 'fjord', 'kite', 'lumen']

// ---------------------------------------------------------------------------------------------
// What no answer may contain. Generated inputs are kept free of these (`clean`), so an echo of
// an input can never look like a leak.

const LEAKS: { name: string; pattern: RegExp }[] = [
  { name: 'stack trace', pattern: /\n\s+at .+\(.+:\d+:\d+\)/ },
  { name: 'stack frame', pattern: /\bat (?:async )?[\w.$<>[\]]+ \((?:file:|node:|\/)[^)]*:\d+:\d+\)/ },
  { name: 'node_modules path', pattern: /node_modules/ },
  { name: 'source file position', pattern: /\.(?:ts|js|mjs|cjs):\d/ },
  { name: '.ts: path', pattern: /\.ts:/ },
  { name: 'SQL text', pattern: /\b(SELECT|INSERT|UPDATE|DELETE)\b.+\b(FROM|INTO|SET)\b/s },
  { name: 'SQL syntax error', pattern: /syntax error at or near/i },
  { name: 'constraint violation', pattern: /violates/i },
  { name: 'PGlite', pattern: /PGlite/i },
  { name: 'pg_ internals', pattern: /\bpg_/ },
  { name: 'PostgreSQL message', pattern: /invalid input syntax for type|out of range for type|duplicate key value|current transaction is aborted|relation "\w+"|column "\w+"|invalid byte sequence|unsupported Unicode escape|null value in column/i },
  { name: 'JavaScript error', pattern: /\b(?:TypeError|RangeError|ReferenceError|Maximum call stack|Cannot read propert|is not a function|is not iterable|undefined is not)/ },
]

/** Input text never to generate: anything a leak pattern could match on its own. */
const UNSAFE_INPUT = /SELECT|INSERT|UPDATE|DELETE|pg_|pglite|violates|syntax error|node_modules|\.(?:ts|js|mjs|cjs):|\bat\b|TypeError|RangeError|ReferenceError|Cannot read|is not a function|is not iterable|undefined is not|Maximum call|invalid input syntax|out of range|duplicate key|relation "|column "|invalid byte|null value|current transaction|unsupported Unicode/i

const clean = (value: unknown): boolean => !UNSAFE_INPUT.test(JSON.stringify(value) ?? '') && allStrings(value).every((s) => !UNSAFE_INPUT.test(s))

function allStrings(value: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 64) return out
  if (typeof value === 'string') out.push(value)
  else if (Array.isArray(value)) for (const v of value) allStrings(v, out, depth + 1)
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) { out.push(k); allStrings(v, out, depth + 1) }
  return out
}

// ---------------------------------------------------------------------------------------------
// The server, with every outside service it could be told to call pointed at a closed local port
// (a captcha or HIBP check, an identity provider), so those fail at once instead of going out.

const DEAD = 'http://127.0.0.1:9'

/**
 * What the server logged about each failed request (by request id): the error, the SQL it ran
 * and where in src/ it was thrown, so a finding names its cause. Only the test reads this.
 */
const serverErrors = new Map<string, { cause: string; signature: string }>()
const logStream = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.startsWith('{')) continue
      try {
        const entry = JSON.parse(line) as { level: number; requestId?: string; reqId?: string; err?: Record<string, string> }
        if (entry.level < 50) continue
        const err = entry.err ?? {}
        const where = (err.stack ?? '').split('\n').find((frame) => frame.includes('/src/') && !frame.includes('node_modules'))?.trim().replace(/^at /, '') ?? ''
        const cause = `${err.type ?? 'error'}: ${err.message ?? '?'}${err.detail ? ` (${err.detail})` : ''}` +
          `${err.query ? ` in SQL "${short(err.query.replace(/\s+/g, ' '), 100)}"` : ''}${where ? ` at ${where.replace(/^.*\/src\//, 'src/')}` : ''}`
        // The same failure with other values: its message with quoted values left out, and the statement it ran.
        const signature = `${(err.message ?? '?').replace(/"[^"]*"/g, '"…"')}${err.query ? ` [${err.query.trim().split(/\s+/).slice(0, 3).join(' ')}]` : ''}`
        serverErrors.set(entry.requestId ?? entry.reqId ?? '?', { cause, signature })
      } catch { /* not a log line */ }
    }
    done()
  },
})

const server = await startServer({
  logStream,
  env: {
    LOG_LEVEL: 'error',
    // Believe X-Forwarded-For from the test client, so the junk addresses below are parsed and used.
    TRUST_PROXY: '127.0.0.1',
    GEO_COUNTRY_HEADER: 'CF-IPCountry',
    HIBP_URL: `${DEAD}/range/`,
    HIBP_TIMEOUT_MS: '200',
    CAPTCHA_TURNSTILE_URL: `${DEAD}/turnstile`,
    CAPTCHA_HCAPTCHA_URL: `${DEAD}/hcaptcha`,
    CAPTCHA_RECAPTCHA_URL: `${DEAD}/recaptcha`,
  },
})
const db = server.app.deps.db
const BODY_LIMIT: number = server.app.server.initialConfig.bodyLimit ?? 1024 * 1024

// ---------------------------------------------------------------------------------------------
// Database snapshots. Each is every row of every table of the public schema, ordered by all of
// its (compared) columns, taken in one statement. Left out, because refused calls write them on
// purpose:

const EXCLUDED_TABLES: Record<string, string> = {
  // Failed sign-ins, refused actions and forbidden attempts are recorded there: that is its point.
  auth_log: 'the auth log records failed and refused calls',
  // The sign-in back-off: every failed sign-in counts.
  sign_in_failure: 'the sign-in back-off counts failed sign-ins',
  // Windows are reserved before any work, so requests then refused (or over the limit) count too.
  email_rate_limit: 'per-email request windows count refused requests',
  ip_rate_limit: 'per-address request windows count refused requests',
}
const EXCLUDED_COLUMNS: Record<string, string[]> = {
  // Authentication records each key's use (where from, and a session's prolonged expiry) at most
  // once a minute, whatever the call then does.
  api_key: ['last_used_at', 'expires_at', 'last_ip', 'last_user_agent'],
  // The background sender moves queued mail through its states; which rows exist is compared.
  mail_outbox: ['state', 'attempts', 'next_attempt_at', 'locked_until', 'last_error', 'sent_at', 'sealed'],
  // Wrong codes tried against a mailed token are counted on purpose (they end it after a few).
  person_token: ['otp_attempts'],
}

const tables = (await db.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`))
  .rows.map((r) => r.tablename)
for (const name of [...Object.keys(EXCLUDED_TABLES), ...Object.keys(EXCLUDED_COLUMNS)]) {
  assert.ok(tables.includes(name), `table ${name} named in the exclusions no longer exists: update the fuzz test`)
}
const columns = (await db.query<{ table_name: string; column_name: string }>(
  `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`)).rows
for (const [table, excluded] of Object.entries(EXCLUDED_COLUMNS)) {
  for (const column of excluded) assert.ok(columns.some((c) => c.table_name === table && c.column_name === column), `column ${table}.${column} is gone: update the fuzz test`)
}
const compared = tables.filter((t) => !(t in EXCLUDED_TABLES))
const comparedColumns = Object.fromEntries(compared.map((table) =>
  [table, columns.filter((c) => c.table_name === table && !(EXCLUDED_COLUMNS[table] ?? []).includes(c.column_name)).map((c) => c.column_name)]))
const quote = (name: string) => `"${name.replaceAll('"', '""')}"`
const DUMP_SQL = `SELECT json_build_object(${compared.map((table) => {
  const cols = comparedColumns[table]!.map(quote)
  return `'${table}', (SELECT coalesce(json_agg(json_build_array(${cols.join(', ')}) ORDER BY ${cols.join(', ')}), '[]'::json) FROM ${quote(table)})`
}).join(', ')})::text AS dump`

const dump = async (): Promise<string> => (await db.query<{ dump: string }>(DUMP_SQL)).rows[0]!.dump

/** What changed between two snapshots, per table: rows gone, rows new, and for a row changed in place (same first column) the columns that changed. */
function describeChange(before: string, after: string): string {
  const a = JSON.parse(before) as Record<string, unknown[][]>
  const b = JSON.parse(after) as Record<string, unknown[][]>
  const lines: string[] = []
  for (const table of Object.keys(b)) {
    const was = new Map((a[table] ?? []).map((r) => [JSON.stringify(r), r]))
    const now = new Map(b[table]!.map((r) => [JSON.stringify(r), r]))
    const gone = [...was].filter(([k]) => !now.has(k)).map(([, r]) => r)
    const added = [...now].filter(([k]) => !was.has(k)).map(([, r]) => r)
    if (!gone.length && !added.length) continue
    lines.push(`${table}: -${gone.length} +${added.length}`)
    const names = comparedColumns[table] ?? []
    for (const row of gone.slice(0, 3)) {
      const twin = added.find((r) => JSON.stringify(r[0]) === JSON.stringify(row[0]))
      if (!twin) {
        lines.push(`  - ${short(JSON.stringify(row), 300)}`)
        continue
      }
      const changed = names.map((name, i) => [name, row[i], twin[i]] as const).filter(([, x, y]) => JSON.stringify(x) !== JSON.stringify(y))
      lines.push(`  ~ ${names[0]}=${JSON.stringify(row[0])}: ${changed.map(([name, x, y]) => `${name} ${short(JSON.stringify(x), 60)} -> ${short(JSON.stringify(y), 60)}`).join(', ')}`)
    }
    for (const row of added.filter((r) => !gone.some((g) => JSON.stringify(g[0]) === JSON.stringify(r[0]))).slice(0, 3)) lines.push(`  + ${short(JSON.stringify(row), 300)}`)
  }
  return lines.join('\n')
}

const short = (text: string, max = 500) => (text.length > max ? `${text.slice(0, max)}... (${text.length} chars)` : text)

// ---------------------------------------------------------------------------------------------
// Callers and the data they and the arguments refer to.

type CallerName = 'none' | 'garbage' | 'login' | 'person' | 'projectAdmin' | 'root' | 'backend'

interface Fixtures {
  person: { personId: string; identityId: string; email: string; token: string }
  projectAdmin: { personId: string; identityId: string; email: string; token: string }
  backendToken: string
  victims: { personId: string; identityId: string; email: string }[]
  victimKeyId: string
}

const PROJECT = 'fuzz-project'
const VICTIM_PROJECT = 'victim-project'
const IDP = 'fuzz-idp'
const ACL = {
  roles: {
    editor: { variables: { language: { type: 'entity', entityName: 'Language' } } },
    chief: { variables: { language: { type: 'entity', entityName: 'Language' } }, tenant: { manage: { editor: { variables: { language: 'language' } } }, view: { editor: true } } },
  },
}

async function makeFixtures(): Promise<Fixtures> {
  for (const slug of [PROJECT, VICTIM_PROJECT]) {
    assert.equal((await payload(server, 'mutation($s: String!, $c: Json) { createProject(projectSlug: $s, config: $c) { ok } }', { s: slug, c: { acl: ACL } })).ok, true)
  }
  const plain = await signUpPerson(server)
  const admin = await signUpPerson(server, { roles: ['project_admin'] })
  const addMember = 'mutation($s: String!, $i: String!, $m: [MembershipInput!]!) { addProjectMember(projectSlug: $s, identityId: $i, memberships: $m) { ok error { code } } }'
  assert.equal((await payload(server, addMember, { s: PROJECT, i: admin.identityId, m: [{ role: 'admin', variables: [] }] })).ok, true)
  const victims = []
  for (let i = 0; i < 3; i++) {
    const v = await signUpPerson(server, { password: i === 2 ? null : undefined })
    victims.push({ personId: v.personId, identityId: v.identityId, email: v.email })
    await payload(server, addMember, { s: VICTIM_PROJECT, i: v.identityId, m: [{ role: 'editor', variables: [{ name: 'language', values: ['cs'] }] }] })
  }
  const backend = await payload(server, 'mutation { createGlobalApiKey(description: "fuzz backend", roles: ["login"], options: { trustForwardedClientInfo: true }) { ok result { apiKey { token } } } }')
  const victimKey = await payload(server, 'mutation { createGlobalApiKey(description: "fuzz victim key", roles: ["project_creator"]) { ok result { apiKey { id } } } }')
  const idp = await payload(server, 'mutation($c: Json!) { addIDP(identityProvider: "fuzz-idp", type: "oidc", configuration: $c) { ok error { code developerMessage } } }',
    { c: { url: DEAD, clientId: 'fuzz', clientSecret: 'fuzz-secret' } })
  assert.equal(idp.ok, true, JSON.stringify(idp))
  return {
    person: { ...plain, token: await signInPerson(server, plain) },
    projectAdmin: { ...admin, token: await signInPerson(server, admin) },
    backendToken: backend.result.apiKey.token,
    victims,
    victimKeyId: victimKey.result.apiKey.id,
  }
}

// ---------------------------------------------------------------------------------------------
// Argument generation, driven by the schema's types and the arguments' names.

type Mode = 'valid' | 'wrongType' | 'nulls' | 'oversized' | 'unicode' | 'edge'

const UNICODE = [
  '\u0000', 'a\u0000b', '\ud800', '\udfff', '\udc00\ud800', 'x\ud83d', '\u202e', '\u202egnp.exe', '\u200f\u200e', '\u200b', '\ufeff',
  'e\u0301\u0301\u0301\u0301', 'Z\u0335\u0321\u0322\u031b\u0317\u0318\u0319', '\u{1f469}\u200d\u{1f469}\u200d\u{1f467}\u200d\u{1f466}',
  '\u{1f3f3}\ufe0f\u200d\u{1f308}', '\uffff', '\ufffe', '\u{10ffff}', '\u0130', '\u00df', '\u1e9e', '\u01c5', '\u03a3', '\u212a', '\u2126',
  '\uff20', '\u2028', '\u2029', '\r\n', '\t', '\\', '"', "'", '`', '%00', '%s%n', '${x}', '{{token}}', '{{{x}}}', '<b>&amp;</b>',
  '../../etc/passwd', '\u0085', '\u00a0', '\u3000', '\u0661\u0662', '\ud83d\ude00', '\u0000\u0000', ' ', '',
  // Cut at any even length, this splits a surrogate pair.
  `a${'\u{1f600}'.repeat(60)}`,
]
const EDGE_STRINGS = ['', ' ', '   x   ', '0', '-1', 'null', 'undefined', 'NaN', 'true', '[object Object]', '__proto__', 'constructor',
  'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', '*', '%', '_', '.', '..', '/', '?', '#', '&', '=', ';', ',', '\\x00', '{{', '}}',
  '{{#a}}', '{{/a}}', '{{> p}}', '{{=<% %>=}}', '$1', '$&', '(?=x)', '(', '[', '\\', 'a'.repeat(255), 'a'.repeat(256), 'b'.repeat(5000)]
const JUNK_IPS = ['not-an-ip', '999.999.999.999', '1.2.3', '::1::', '[::1]', 'fe80::1%eth0', '127.0.0.1:80', '1.2.3.4, 5.6.7.8', ', , ,',
  `2001:db8::${'ffff:'.repeat(20)}1`, 'x'.repeat(3000), '0x7f.1', '%31%32', ' ', 'unknown', '::ffff:1.2.3.4', '255.255.255.255', '0.0.0.0',
  '10.0.0.1, not-an-ip', '\u00ff\u00fe', '-1', '1.2.3.4.5', '::', '2001:db8::1/64', '1.2.3.0/24']

class Generator {
  constructor(private readonly r: Rng, private readonly f: Fixtures) {}

  /** Variables for all arguments of `field` in `mode` (a value per argument, or absent). */
  args(field: GraphQLField<unknown, unknown>, mode: Mode): Record<string, unknown> {
    const r = this.r
    const out: Record<string, unknown> = {}
    const budget = { big: mode === 'oversized' ? 1 : 0 }
    for (const arg of field.args) {
      const required = isNonNullType(arg.type)
      if (mode === 'nulls') { out[arg.name] = null; continue }
      if (!required && !r.chance(mode === 'valid' ? 0.4 : 0.75)) continue
      out[arg.name] = this.value(arg.type, arg.name, mode, 0, budget)
    }
    if (mode === 'wrongType') {
      // One argument (or a field inside one) gets a value of the wrong type; the rest stay plausible.
      const candidates = field.args.filter((a) => this.wrongable(a.type))
      if (candidates.length > 0) {
        const arg = r.pick(candidates)
        out[arg.name] = this.wrong(arg.type, arg.name, out[arg.name])
      }
    }
    return out
  }

  wrongable(type: GraphQLInputType): boolean {
    const inner = isNonNullType(type) ? type.ofType : type
    if (isListType(inner)) return this.wrongable(inner.ofType as GraphQLInputType)
    if (isInputObjectType(inner) || isEnumType(inner)) return true
    return isScalarType(inner) && !['Json', 'Interval'].includes(inner.name)
  }

  /** A value `type` cannot accept. */
  private wrong(type: GraphQLInputType, name: string, current: unknown, depth = 0): unknown {
    const r = this.r
    if (isNonNullType(type)) return r.chance(0.2) ? null : this.wrong(type.ofType, name, current, depth)
    if (isListType(type)) {
      if (r.chance(0.3) && !isInputObjectType(getNamedType(type))) return { notAList: 1 }
      return [this.value(type.ofType as GraphQLInputType, name, 'valid', depth + 1), this.wrong(type.ofType as GraphQLInputType, name, undefined, depth + 1)]
    }
    if (isInputObjectType(type)) {
      const fields = Object.values(type.getFields())
      const inner = fields.filter((f) => this.wrongable(f.type))
      const base = (current && typeof current === 'object' && !Array.isArray(current) ? { ...current } : this.value(type, name, 'valid', depth)) as Record<string, unknown>
      const roll = r.int(5)
      if (roll === 0) return r.pick(['a string', 42, true, [1, 2]])
      if (roll === 1) return { ...base, [`unknownField${r.int(9)}`]: 1 }
      if (roll === 2 && fields.some((f) => isNonNullType(f.type))) {
        const req = r.pick(fields.filter((f) => isNonNullType(f.type)))
        const { [req.name]: _, ...rest } = base
        return rest
      }
      if (inner.length === 0) return 'not an object'
      const f = r.pick(inner)
      return { ...base, [f.name]: this.wrong(f.type, `${type.name}.${f.name}`, base[f.name], depth + 1) }
    }
    if (isEnumType(type)) return r.pick(['NOT_A_VALUE', 7, true, type.getValues()[0]!.name.toLowerCase() + 'x', '', { v: 1 }])
    switch ((type as { name: string }).name) {
      case 'String':
      case 'ID':
        return r.pick([42, 1.5, true, false, { s: 'x' }, ['a', 'b'], -0.0001])
      case 'Int':
        return r.pick([2147483648, -2147483649, 1.5, '1', 'ten', true, 1e21, 9007199254740993, { n: 1 }, [1]])
      case 'Float':
        return r.pick(['1.5', 'x', true, { f: 1 }, [1.5]])
      case 'Boolean':
        return r.pick(['true', 1, 0, 'yes', { b: true }, [true]])
      case 'DateTime':
        return r.pick(['yesterday', 1700000000000, true, { d: 1 }, '2024-13-45T99:99:99Z', '', 'NaN', '2024-02-30T25:00:00Z'])
      default:
        return { unexpected: true }
    }
  }

  value(type: GraphQLInputType, name: string, mode: Mode, depth: number, budget = { big: 0 }): unknown {
    const r = this.r
    if (isNonNullType(type)) return this.value(type.ofType, name, mode, depth, budget)
    if (isListType(type)) {
      const item = type.ofType as GraphQLInputType
      if (mode === 'oversized' && r.chance(0.35)) return Array.from({ length: MAX_LIST_ITEMS + 1 }, () => this.value(item, name, 'valid', depth + 1))
      const n = mode === 'edge' ? r.pick([0, 1, 2, 50, MAX_LIST_ITEMS]) : r.int(4)
      const itemMode = mode === 'edge' && n > 2 ? 'valid' : mode
      return Array.from({ length: n }, () => this.value(item, name, itemMode, depth + 1, budget))
    }
    if (isInputObjectType(type)) {
      const out: Record<string, unknown> = {}
      for (const field of Object.values(type.getFields())) {
        if (!isNonNullType(field.type) && !r.chance(0.6)) continue
        out[field.name] = mode === 'nulls' && !isNonNullType(field.type) ? null : this.value(field.type, `${type.name}.${field.name}`, mode, depth + 1, budget)
      }
      return out
    }
    if (isEnumType(type)) {
      const values = type.getValues().map((v) => v.name)
      if (mode === 'edge' && r.chance(0.3)) return r.pick([values[0]!.toLowerCase(), `${r.pick(values)}_X`, ''])
      return r.pick(values)
    }
    const scalar = (type as { name: string }).name
    switch (scalar) {
      case 'String':
      case 'ID':
        return this.string(name, mode, budget)
      case 'Int':
        if (mode === 'edge' || mode === 'oversized') return r.pick([0, -1, 1, -2147483648, 2147483647, 1_000_000_000, -1_000_000, 65536, 2 ** 30])
        return this.int(name)
      case 'Float':
        if (mode === 'edge' || mode === 'oversized') return r.pick([0, -0, 1e308, -1e308, 5e-324, -1, 2, 0.1 + 0.2])
        return r.pick([0, 0.5, 1, 0.3])
      case 'Boolean':
        return r.chance(0.5)
      case 'DateTime':
        if (mode === 'edge') {
          return r.pick(['-271821-04-20T00:00:00.000Z', '+275760-09-13T00:00:00.000Z', '1970-01-01T00:00:00.000Z', '0000-01-01T00:00:00Z',
            '9999-12-31T23:59:59.999Z', '2024-02-29T12:00:00+14:00', '2024-01-01', '-000001-01-01T00:00:00Z', '+100000-01-01T00:00:00Z', '1900-01-01T00:00:00-12:00'])
        }
        return new Date(Date.now() + (r.int(20) - 10) * 86_400_000).toISOString()
      case 'Interval':
        if (mode === 'edge') {
          return r.pick([0, -1, -300, 'PT0S', 'P99999999Y', 'PT-5M', 1e308, 2 ** 53, 'P', 'PT', '', 'P1Y2M3DT4H5M6.789S', 'p1d', ' PT5M ', 'PT1.5S', 1.5,
            'P1W', 'P2147483648D', 'PT9999999999999999999S', 'yesterday', { seconds: 5 }, [1], true, null, '-PT5M', 'P0D', '1 day', '00:05:00', 'PT1000000H'])
        }
        if (mode === 'unicode') return r.pick(['PT5M', 'P1D']) + r.pick(UNICODE)
        if (mode === 'oversized') return `P${'9'.repeat(MAX_STRING_LENGTH + 1)}D`
        return r.pick(['PT5M', 'PT1H', 'P1D', 'PT30S', 300, 'P30D', 'PT15M', 3600])
      case 'Json':
        return this.json(name, mode, depth, budget)
      default:
        return this.string(name, mode, budget)
    }
  }

  private int(name: string): number {
    const r = this.r
    const n = name.split('.').pop()!.toLowerCase()
    if (n === 'expiration') return r.pick([1, 5, 60, 1440, 60 * 24 * 30])
    if (n === 'limit' || n === 'offset') return r.between(0, 50)
    if (n.startsWith('require') || n.includes('threshold')) return r.between(0, 4)
    return r.between(0, 20)
  }

  /** Mostly a value that passes the plain checks (so calls get far), now and then an odd one. */
  private either<T>(proper: () => T, odd: () => T): T {
    return this.r.chance(0.8) ? proper() : odd()
  }

  private id(n: string): string {
    const r = this.r
    const v = r.pick(this.f.victims)
    const known = n.includes('person') ? v.personId : n.includes('identity') ? v.identityId : r.pick([v.personId, v.identityId, this.f.victimKeyId])
    return this.either(() => (r.chance(0.8) ? known : r.uuid()), () => r.pick([v.personId.toUpperCase(), '00000000-0000-0000-0000-000000000000',
      'not-a-uuid', '', '1', `${v.personId}x`, `{${v.personId}}`, v.personId.replaceAll('-', '')]))
  }

  private email(): string {
    const r = this.r
    const v = r.pick(this.f.victims)
    return this.either(() => r.pick([`${r.word()}-${r.hex(6)}@example.com`, `${r.word()}-${r.hex(6)}@example.com`, v.email, this.f.person.email]),
      () => r.pick([` ${v.email.toUpperCase()} `, 'not-an-email', '@example.com', 'a@', `${r.word()}+tag@sub.example.co.uk`, `"quoted local"@example.com`,
        `${'a'.repeat(64)}@${'b'.repeat(63)}.com`, 'a@b', `${r.hex(4)}@[127.0.0.1]`, 'user@localhost', 'UPPER@EXAMPLE.COM']))
  }

  private slug(): string {
    const r = this.r
    return this.either(() => r.pick([PROJECT, PROJECT, VICTIM_PROJECT, `p-${r.hex(6)}`]),
      () => r.pick([`p_${r.hex(4)}`, 'Upper-Case', 'has space', 'a'.repeat(255), 'a'.repeat(256), '-leading', 'x']))
  }

  private password(): string {
    const r = this.r
    return this.either(() => `Tr3e-${r.hex(8)}-Lamp`,
      () => r.pick(['short', 'password', '12345678', 'a'.repeat(200), `${r.word()} ${r.word()} ${r.word()} ${r.word()}`, '']))
  }

  /**
   * A plausible string for an argument or input field; `name` is the argument's name, or
   * `InputType.field` for a field of an input object.
   */
  private plausible(name: string): string {
    const r = this.r
    const [parent, own] = name.includes('.') ? name.split('.') as [string, string] : ['', name]
    const n = own.toLowerCase()
    if (parent === 'VariableEntryInput') return n === 'name' ? this.either(() => 'language', () => r.word()) : this.either(() => r.pick(['cs', 'en']), () => r.pick([r.word(), '']))
    if (parent === 'MembershipInput' && n === 'role') return this.either(() => r.pick(['editor', 'admin', 'chief']), () => r.pick(['login', 'super_admin', 'toString', 'constructor', r.word(), 'Bad Role']))
    if (n.includes('email') || n === 'replyto' || n === 'personinputidentifier') return this.email()
    if (n === 'passwordhash') {
      const b = Array.from({ length: 53 }, () => './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[r.int(64)]).join('')
      return this.either(() => r.pick([`$2a$04$${b}`, '$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA']),
        () => r.pick([`$2b$31$${b}`, `$2a$04$${b.slice(5)}`, '$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdA$aGFzaA', 'plaintext', '', '$2y$04$']))
    }
    if (n.includes('password')) return this.password()
    if (n.endsWith('hash')) return this.either(() => r.hex(64), () => r.pick([r.hex(64).toUpperCase(), r.hex(63), 'zz', r.hex(40)]))
    if (n === 'id' || n.endsWith('id')) return this.id(n)
    if (n.includes('slug') || n === 'mailproject' || n === 'project') return this.slug()
    if (n === 'identityprovider') return this.either(() => r.pick([IDP, `idp-${r.hex(4)}`]), () => r.pick(['google', 'IDP', '', 'has space']))
    if (n === 'type') return this.either(() => r.pick(['oidc', 'apple', 'facebook']), () => r.pick(['saml', 'OIDC', '']))
    if (n.includes('url')) return this.either(() => r.pick([`${DEAD}/callback`, `${DEAD}/cb?code=x&state=${r.hex(8)}`]), () => r.pick(['javascript:alert(1)', 'not a url', '//evil.example', 'https://example.com/{{token}}', 'ftp://x']))
    if (n === 'token') return this.either(() => r.hex(40), () => r.pick([r.hex(64), r.uuid(), 'x', r.hex(39)]))
    if (n.includes('otp')) return this.either(() => String(r.between(0, 999999)).padStart(6, '0'), () => r.pick(['12345', '1234567', 'abcdef', r.hex(32)]))
    if (n === 'backupcode') return this.either(() => `${r.hex(5)}-${r.hex(5)}`, () => r.pick([r.hex(10), r.hex(8).toUpperCase(), '']))
    if (n === 'role' || n === 'roles') {
      return this.either(() => r.pick(['login', 'project_admin', 'entrypoint_deployer', 'project_creator']),
        () => r.pick(['super_admin', 'person', 'self', 'admin', 'toString', 'constructor', r.word(), 'Bad Role']))
    }
    if (n === 'types') return r.pick(['login', 'login_failed', 'password_change', r.word()])
    if (n === 'pattern') return this.either(() => r.pick(['^.{8,}$', '^(?:[A-Za-z0-9-]+)$']), () => r.pick(['(', '(a+)+$', '[', '.*', '(?=x)', '\\', '\\p{L}+', 'a{99999}', '']))
    if (n === 'content' || n === 'subject') {
      return this.either(() => r.pick(['Hello {{token}}', 'Hi {{email}} {{#project}}{{name}}{{/project}}', '<html>{{token}}</html>', 'Your code {{code}}']),
        () => r.pick(['{{#a}}', '{{/a}}', '{{> partial}}', '{{=<% %>=}}', '{{{url}}}', 'plain text', '{{', '{{ token']))
    }
    if (n === 'variant' || n === 'mailvariant') return r.pick(['', 'cs', 'en-US', r.word()])
    if (n === 'key') return this.either(() => `k${r.hex(4)}`, () => r.pick(['API_KEY', '', 'with space', 'a'.repeat(255)]))
    if (n === 'secret') return r.pick([r.hex(32), ''])
    if (n === 'captchatoken') return r.pick([r.hex(32), '', 'XXXX.DUMMY.TOKEN.XXXX'])
    return r.pick([`${r.word()} ${r.word()}`, r.word(), r.word().toUpperCase()])
  }

  private string(name: string, mode: Mode, budget: { big: number }): string {
    const r = this.r
    const base = this.plausible(name)
    if (mode === 'unicode') {
      const u = r.pick(UNICODE)
      const at = r.int(base.length + 1)
      return r.pick([base.slice(0, at) + u + base.slice(at), u, u + base, base + u, `${u}${u}${u}`])
    }
    if (mode === 'edge') return r.chance(0.5) ? r.pick(EDGE_STRINGS) : base
    if (mode === 'oversized') {
      if (budget.big > 0 && r.chance(0.5)) {
        budget.big--
        // Up to just under the body limit (ASCII: a byte a character, with room for the rest of
        // the request), and now and then just over it.
        return 'x'.repeat(r.pick([MAX_LONG_STRING_LENGTH + 1, BODY_LIMIT - 64 * 1024, BODY_LIMIT - 64 * 1024, BODY_LIMIT + 1]))
      }
      return r.pick(['y', 'é', '\u{1f600}']).repeat(MAX_STRING_LENGTH + 1)
    }
    return base
  }

  private json(name: string, mode: Mode, depth: number, budget: { big: number }): unknown {
    const r = this.r
    const n = name.split('.').pop()!.toLowerCase()
    if (mode === 'edge') {
      const roll = r.int(6)
      if (roll === 0) return nest(r.pick([MAX_NESTING - 2, MAX_NESTING - 1, MAX_NESTING, MAX_NESTING + 1, 200, 5000, 100_000]), r.chance(0.5))
      if (roll === 1) return Object.fromEntries(Array.from({ length: r.pick([MAX_LIST_ITEMS, MAX_LIST_ITEMS + 1]) }, (_, i) => [`k${i}`, i]))
      if (roll === 2) return Array.from({ length: r.pick([MAX_LIST_ITEMS, MAX_LIST_ITEMS + 1]) }, (_, i) => ({ i }))
      if (roll === 3) return r.pick([null, 0, -1, 1e308, '', 'a string', true, [], {}, [[[]]]])
      if (roll === 4) return { constructor: { name: 'x' }, toString: 1, valueOf: 'x', hasOwnProperty: null, acl: { roles: { toString: {}, constructor: {}, hasOwnProperty: { variables: { valueOf: {} } } } } }
      return { ...(this.json(name, 'valid', depth, budget) as object), [r.pick(['url', 'acl', 'roles', 'redirectUrl', 'sessionData', 'issuer'])]: r.pick([null, 5, [], {}, 'x', true]) }
    }
    if (mode === 'oversized') {
      if (budget.big > 0 && r.chance(0.5)) {
        budget.big--
        return { big: 'j'.repeat(BODY_LIMIT - 64 * 1024) }
      }
      return r.pick([{ s: 'z'.repeat(MAX_STRING_LENGTH + 1) }, Array.from({ length: MAX_LIST_ITEMS + 1 }, () => 1), nest(MAX_NESTING + 5, false)])
    }
    let value: unknown
    if (n === 'config') {
      const roles: Record<string, unknown> = { editor: ACL.roles.editor }
      for (let i = r.int(3); i > 0; i--) {
        roles[this.plausible('MembershipInput.role')] = {
          variables: r.chance(0.5) ? { [this.plausible('VariableEntryInput.name')]: { type: r.pick(['entity', 'predefined', 'condition', 'nope']), entityName: 'X', value: 'identityID' } } : {},
          tenant: { invite: r.chance(0.5), manage: r.chance(0.5) ? { editor: true } : {}, view: { editor: true } },
        }
      }
      value = { acl: { roles } }
    } else if (n === 'configuration') {
      value = { url: DEAD, clientId: this.plausible('clientId'), clientSecret: r.hex(16), ...(r.chance(0.3) ? { responseType: r.pick(['code', 'id_token', 'x']) } : {}), ...(r.chance(0.3) ? { claims: { email: 'mail' } } : {}) }
    } else if (n === 'data' || n === 'sessiondata') {
      value = { redirectUrl: `${DEAD}/callback`, url: `${DEAD}/callback?code=${r.hex(8)}&state=${r.hex(8)}`, sessionData: { state: r.hex(8), nonce: r.hex(8), codeVerifier: r.hex(43) }, ...(r.chance(0.3) ? { parameters: { code: 'x', state: 'y' } } : {}), ...(r.chance(0.2) ? { responseMode: r.pick(['query', 'form_post', 'x']) } : {}) }
    } else {
      value = randomJson(r, 3)
    }
    if (mode === 'unicode') return mapStrings(value, (s) => s + r.pick(UNICODE), r)
    return value
  }
}

/** Nesting deeper than JSON.stringify can write goes as a marker, written out by `bodyText`. */
function nest(depth: number, arrays: boolean): unknown {
  if (depth > 500) return `@@DEEP:${depth}:${arrays ? 'a' : 'o'}@@`
  let v: unknown = 'leaf'
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { n: v }
  return v
}

const bodyText = (value: unknown): string => JSON.stringify(value).replace(/"@@DEEP:(\d+):([ao])@@"/g, (_, n: string, kind: string) =>
  kind === 'a' ? `${'['.repeat(Number(n))}"leaf"${']'.repeat(Number(n))}` : `${'{"n":'.repeat(Number(n))}"leaf"${'}'.repeat(Number(n))}`)

function randomJson(r: Rng, depth: number): unknown {
  const roll = r.int(depth > 0 ? 7 : 5)
  if (roll === 0) return r.word()
  if (roll === 1) return r.int(1000) - 500
  if (roll === 2) return r.chance(0.5)
  if (roll === 3) return null
  if (roll === 4) return r.next()
  if (roll === 5) return Array.from({ length: r.int(4) }, () => randomJson(r, depth - 1))
  return Object.fromEntries(Array.from({ length: r.int(4) }, () => [r.pick([r.word(), 'acl', 'roles', 'url', 'toString', 'constructor']), randomJson(r, depth - 1)]))
}

function mapStrings(value: unknown, fn: (s: string) => string, r: Rng): unknown {
  if (typeof value === 'string') return fn(value)
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn, r))
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [r.chance(0.2) ? fn(k) : k, mapStrings(v, fn, r)]))
  return value
}

// ---------------------------------------------------------------------------------------------
// Selections: every leaf of the result a couple of levels down, so resolvers below the root run
// too, kept within the server's request limits.

function selection(schema: GraphQLSchema, type: GraphQLOutputType, depth: number, max: number): string {
  const named = getNamedType(type)
  if (!isObjectType(named) && !isInterfaceType(named)) return isScalarType(named) || isEnumType(named) ? '' : '{ __typename }'
  const parts = ['__typename']
  for (const f of Object.values(named.getFields())) {
    if (f.args.some((a) => isNonNullType(a.type))) continue
    const inner = getNamedType(f.type)
    if (isScalarType(inner) || isEnumType(inner)) parts.push(f.name)
    else if (depth < max) parts.push(`${f.name} ${selection(schema, f.type, depth + 1, max)}`)
  }
  return `{ ${parts.join(' ')} }`
}

// ---------------------------------------------------------------------------------------------
// The sweep: values of each type that broke something once, tried on every argument.

const SWEEP: Record<string, unknown[]> = {
  // Lone surrogates (not valid Unicode: PostgreSQL's json refuses them, PGlite sends some as
  // invalid UTF-8), a run of emoji that any cut at an even length splits in the middle of a pair,
  // and NUL (PostgreSQL text cannot hold it).
  String: ['\udfff\udfff\udfff', `a${'\u{1f600}'.repeat(150)}`, 'x\u0000y'],
  Json: [{ k: 'v\ud800' }, { '\udfff': 1 }, `a${'\u{1f600}'.repeat(150)}`],
  // Not a date at all; before and after what PostgreSQL stores.
  DateTime: ['yesterday', '-271821-04-20T00:00:00.000Z', '+100000-01-01T00:00:00Z', '0000-01-01T00:00:00Z'],
  Interval: [-1, 'P99999999Y', 1e308, 2 ** 53, 'PT-5M', { seconds: 5 }, 'P2147483648D', 'PT9999999999999999999S', 'P1D\ud800'],
  Int: [2147483647, -2147483648, -1],
}

interface Leaf { path: string[]; type: GraphQLInputType }

/** The scalar arguments of a field and the scalar fields of its input arguments (two levels down). */
function leavesOf(field: GraphQLField<unknown, unknown>): Leaf[] {
  const out: Leaf[] = []
  const walk = (type: GraphQLInputType, path: string[], depth: number) => {
    const named = getNamedType(type)
    if (!isInputObjectType(named)) return void out.push({ path, type })
    if (depth < 2) for (const f of Object.values(named.getFields())) walk(f.type, [...path, f.name], depth + 1)
  }
  for (const arg of field.args) walk(arg.type, [arg.name], 0)
  return out
}

/** Sets the value at `path` in a field's variables, making the input objects on the way (a list gets one). */
function setLeaf(field: GraphQLField<unknown, unknown>, variables: Record<string, unknown>, path: string[], value: unknown, gen: Generator): void {
  let container: Record<string, unknown> = variables
  let type: GraphQLInputType = field.args.find((a) => a.name === path[0])!.type
  for (let k = 0; k < path.length; k++) {
    const key = path[k]!
    if (k > 0) type = (getNamedType(type) as GraphQLInputObjectType).getFields()[key]!.type
    const inner = isNonNullType(type) ? type.ofType : type
    if (k === path.length - 1) {
      container[key] = isListType(inner) ? [value] : value
      return
    }
    if (isListType(inner)) {
      const list = container[key]
      if (!Array.isArray(list) || list.length === 0 || typeof list[0] !== 'object' || list[0] === null) container[key] = [gen.value(inner.ofType as GraphQLInputType, key, 'valid', 0)]
      container = (container[key] as Record<string, unknown>[])[0]!
    } else {
      const object = container[key]
      if (!object || typeof object !== 'object' || Array.isArray(object)) container[key] = gen.value(inner, key, 'valid', 0)
      container = container[key] as Record<string, unknown>
    }
  }
}

/**
 * Operations that answer no sooner than 150 ms on purpose, whatever the outcome, so their time
 * does not tell whether an email exists (model/mail/anonymousFlows.ts).
 */
const WAITING_FIELDS = new Set(['createResetPasswordRequest', 'requestEmailVerification', 'initSignInPasswordless'])

// ---------------------------------------------------------------------------------------------
// Cases and their outcome.

interface Case {
  n: number
  op: 'query' | 'mutation'
  field: string
  caller: CallerName
  mode: Mode | 'headers' | 'sweep'
  query: string
  variables: Record<string, unknown>
  headers: Record<string, string>
  contentType: string | null
  bodyKind: 'json' | 'graphql'
  method: 'POST' | 'GET'
  /** Whether the call might be accepted (and so change the database): such cases run alone. */
  mayAccept: boolean
}

type Outcome = 'accepted' | 'rejected' | 'read'

interface Finding { what: string; case: Case; detail: string; cause?: string; signature?: string }

const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/json;charset=UTF-16', 'application/json; charset=latin1',
  'text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=----x', 'application/graphql',
  'application/graphql+json', '', 'application/json, text/html', '*/*', 'application/jsonx', 'application/json; charset=', 'application/json; charset="utf-8"; x=y', null]

function describe(c: Case, tokenShown: string): string {
  const vars = short(JSON.stringify(c.variables, (_, v) => (typeof v === 'string' && v.length > 200 ? `<${v.length} chars: ${v.slice(0, 20)}...>` : v)), 1500)
  const headers = Object.keys(c.headers).length ? ` headers=${short(JSON.stringify(c.headers, (_, v) => (typeof v === 'string' && v.length > 200 ? `<${v.length} chars>` : v)), 600)}` : ''
  return `#${c.n} ${c.method} ${c.op} ${c.field} as ${c.caller} (${c.mode}) authorization=${tokenShown}${c.contentType === 'application/json' ? '' : ` content-type=${JSON.stringify(c.contentType)}`}${headers}\n    query: ${short(c.query, 400)}\n    variables: ${vars}`
}

test('fuzz: every Query and Mutation field, every kind of caller, hostile arguments and headers', { timeout: 300_000 }, async (t) => {
  t.diagnostic(`seed ${seed} (FUZZ_SEED=${seed} repeats this run)`)
  // The leak patterns catch what they are meant to.
  for (const sample of ['duplicate key value violates unique constraint "person_email_unique"', 'Error: x\n    at run (/app/src/model/x.ts:10:5)',
    'SELECT id FROM person WHERE email = $1', 'syntax error at or near "x"', 'PGlite is closed', 'relation pg_class', 'Cannot read properties of undefined']) {
    assert.ok(LEAKS.some((leak) => leak.pattern.test(sample)), `no leak pattern matches ${JSON.stringify(sample)}`)
  }
  const started = Date.now()
  const r = new Rng(seed)
  const fixtures = await makeFixtures()

  // The schema as the running server answers it.
  const introspection = await server.gql<{ data: IntrospectionQuery }>(getIntrospectionQuery({ inputValueDeprecation: true }), { token: server.rootToken })
  assert.equal(introspection.status, 200)
  const schema = buildClientSchema(introspection.body.data)
  const roots = [
    { op: 'query' as const, type: schema.getQueryType()! },
    { op: 'mutation' as const, type: schema.getMutationType()! },
  ]
  const fields = roots.flatMap(({ op, type }) => Object.values(type.getFields()).map((field) => ({ op, field })))
  assert.ok(fields.length > 50, `only ${fields.length} fields in the schema`)
  const gen = new Generator(r, fixtures)

  // One document per field: every argument a variable of its declared type.
  const documents = new Map<string, string>()
  for (const { op, field } of fields) {
    const decl = field.args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ')
    const pass = field.args.map((a) => `${a.name}: $${a.name}`).join(', ')
    let doc = ''
    for (let depth = 3; depth >= 0; depth--) {
      doc = `${op} Fuzz${decl ? `(${decl})` : ''} { ${field.name}${pass ? `(${pass})` : ''} ${selection(schema, field.type, 0, depth)} }`
      try {
        checkDocument(schema, parse(doc), defaultRequestLimits)
        break
      } catch { /* too costly: select less */ }
    }
    documents.set(field.name, doc)
  }

  // ---- cases
  const hasRequired = (field: GraphQLField<unknown, unknown>) => field.args.some((a) => isNonNullType(a.type))
  const makeCase = (op: 'query' | 'mutation', field: GraphQLField<unknown, unknown>, caller: CallerName, mode: Mode,
    extra: Partial<Case> = {}, variables?: Record<string, unknown>): Case | null => {
    let vars = variables ?? {}
    for (let attempt = 0; attempt < 20 && variables === undefined; attempt++) {
      vars = gen.args(field, mode)
      if (clean(vars)) break
    }
    if (!clean(vars)) return null
    let query = documents.get(field.name)!
    if (mode === 'wrongType' && !field.args.some((a) => gen.wrongable(a.type))) {
      // Nothing to mistype: an argument the field does not have instead.
      query = field.args.length ? query.replace(`{ ${field.name}(`, `{ ${field.name}(fuzzUnknown: 1, `) : query.replace(`{ ${field.name} `, `{ ${field.name}(fuzzUnknown: 1) `)
    }
    // Refused for sure: no (or a garbage) token, a mistyped or oversized argument, null for a
    // required one. Anything else may be accepted, and runs alone.
    const mayAccept = op === 'mutation' && !['none', 'garbage'].includes(caller) &&
      (mode === 'valid' || mode === 'unicode' || mode === 'edge' || (mode === 'nulls' && !hasRequired(field)))
    return { n: 0, op, field: field.name, caller, mode, query, variables: vars, headers: {}, contentType: 'application/json', bodyKind: 'json', method: 'POST', mayAccept, ...extra }
  }

  // The random cases (run third, after the probe and the sweep below): per field, every caller
  // with several kinds of arguments; and junk headers, odd content types and GET on random fields
  // and callers.
  const randomCases: Case[] = []
  const modes: Mode[] = ['valid', 'valid', 'wrongType', 'nulls', 'oversized', 'unicode', 'edge']
  const callersModes: [CallerName, Mode[]][] = [
    ['root', modes], ['login', modes], ['person', modes], ['projectAdmin', modes],
    ['backend', ['valid', 'unicode', 'edge']],
    ['none', [r.pick(modes)]], ['garbage', [r.pick(modes)]],
  ]
  for (const { op, field } of fields) {
    for (const [caller, callerModes] of callersModes) {
      for (const mode of callerModes) {
        const c = makeCase(op, field, caller, mode)
        if (c) randomCases.push(c)
      }
    }
  }
  for (let k = 0; k < 200; k++) {
    const { op, field } = r.pick(fields)
    const caller = r.pick<CallerName>(['root', 'login', 'person', 'projectAdmin', 'backend', 'backend', 'none', 'garbage'])
    const headers: Record<string, string> = {}
    if (r.chance(0.6)) headers['x-forwarded-for'] = Array.from({ length: r.between(1, 3) }, () => r.pick(JUNK_IPS)).join(', ')
    if (r.chance(0.6)) headers['x-contember-client-ip'] = r.pick(JUNK_IPS)
    if (r.chance(0.4)) headers['x-contember-client-user-agent'] = r.pick(['', 'u'.repeat(8000), 'Mozilla/5.0 \u00ff\u00e9', 'curl/8 (x)'])
    if (r.chance(0.4)) headers['user-agent'] = r.pick(['', 'a'.repeat(8000), 'a'.repeat(20_000), 'Mozilla/5.0 \u00e9\u00ff', '%00', '\t x \t'])
    if (r.chance(0.3)) headers['cf-ipcountry'] = r.pick(['XX', 'T1', 'zz'.repeat(100), '../', '', 'cz', '\u00ff'])
    if (r.chance(0.3)) headers['x-request-id'] = r.pick(['../../x', 'id with space', 'r'.repeat(500), '', 'ok-id-1'])
    if (r.chance(0.2)) headers['x-contember-force-ok'] = r.pick(['1', 'true', '0', 'yes', ''])
    if (r.chance(0.2)) headers.origin = r.pick(['null', 'https://evil.example', 'x'.repeat(1000)])
    if (r.chance(0.2)) headers.accept = r.pick(['text/html', '*/*', 'application/xml', 'x'.repeat(1000)])
    const contentType = r.chance(0.5) ? r.pick(CONTENT_TYPES) : 'application/json'
    const method = r.chance(0.15) ? 'GET' : 'POST'
    const c = makeCase(op, field, caller, r.pick<Mode>(['valid', 'valid', 'edge', 'unicode', 'nulls']), { headers, contentType, method, bodyKind: contentType === 'application/graphql' ? 'graphql' : 'json' })
    if (c) randomCases.push({ ...c, mode: 'headers' })
  }
  r.shuffle(randomCases)
  // Fields that hash a password or wait on purpose (PASSWORD_FIELDS: tens to hundreds of ms
  // each) keep only a few of the calls that may get that far; refused-for-sure ones all run.
  const COSTLY_RANDOM_CALLS = 8
  const costlyLeft = new Map<string, number>()
  for (let k = randomCases.length - 1; k >= 0; k--) {
    const c = randomCases[k]!
    if (!PASSWORD_FIELDS.has(c.field) || !c.mayAccept) continue
    const left = costlyLeft.get(c.field) ?? COSTLY_RANDOM_CALLS
    if (left === 0) randomCases.splice(k, 1)
    else costlyLeft.set(c.field, left - 1)
  }

  // ---- running them
  const tokens: Record<CallerName, () => string | null> = {
    none: () => null,
    garbage: () => r.pick([`Bearer ${r.hex(40)}`, 'Bearer ', 'Basic dXNlcjpwYXNz', `bearer ${r.hex(40)}`, `Bearer ${'x'.repeat(5000)}`, 'Bearer a b c', 'Bearer \u00e9\u00ff', `Bearer ${r.hex(64)}`, 'Token abc']),
    login: () => `Bearer ${server.loginToken}`,
    person: () => `Bearer ${fixtures.person.token}`,
    projectAdmin: () => `Bearer ${fixtures.projectAdmin.token}`,
    root: () => `Bearer ${server.rootToken}`,
    backend: () => `Bearer ${fixtures.backendToken}`,
  }
  const findings: Finding[] = []
  const stats = { sent: 0, accepted: 0, rejected: 0, read: 0, status: new Map<number, number>(), comparedCalls: 0, uncomparedCalls: 0, skipped: 0, cases: 0 }
  const perField = new Map<string, { ms: number; accepted: number }>()
  /** `field caller` pairs whose calls got past authentication and permission checks. */
  const admitted = new Set<string>()
  let caseNumber = 0

  const send = async (c: Case): Promise<Outcome> => {
    const authorization = tokens[c.caller]()
    const headers: Record<string, string> = { ...c.headers }
    if (authorization !== null) headers.authorization = authorization
    let body: string | Blob | undefined
    let url = `${server.url}/tenant`
    if (c.method === 'GET') {
      url += `?query=${encodeURIComponent(c.query)}&variables=${encodeURIComponent(bodyText(c.variables))}`
      if (url.length > 12_000) url = `${server.url}/tenant?query=${encodeURIComponent(c.query)}`
    } else {
      const text = c.bodyKind === 'graphql' ? c.query : bodyText({ query: c.query, variables: c.variables })
      // Without a content type: a Blob of no type, which fetch sends with none.
      body = c.contentType === null ? new Blob([text]) : text
      if (c.contentType !== null) headers['content-type'] = c.contentType
    }
    const t0 = performance.now()
    let status: number
    let text: string
    try {
      const res = await fetch(url, { method: c.method, headers, body })
      status = res.status
      text = await res.text()
    } catch (error) {
      findings.push({ what: 'no answer', case: c, detail: `${(error as Error).message} (cause: ${String((error as { cause?: unknown }).cause)})\n    ${describe(c, c.caller)}` })
      return 'rejected'
    }
    const timing = perField.get(c.field) ?? { ms: 0, accepted: 0 }
    perField.set(c.field, timing)
    timing.ms += performance.now() - t0
    stats.sent++
    stats.status.set(status, (stats.status.get(status) ?? 0) + 1)
    const shownToken = authorization === null ? '(none)' : c.caller === 'garbage' ? JSON.stringify(short(authorization, 60)) : c.caller
    const report = (what: string, detail: string) => findings.push({ what, case: c, detail: `${detail}\n    ${describe(c, shownToken)}\n    answer ${status}: ${short(text, 800)}` })
    if (trace.has(c.field)) console.log(`# ${describe(c, shownToken).replaceAll('\n', '\n# ')}\n#     answer ${status}: ${short(text, 600)}`)
    if (status >= 500) report(`HTTP ${status}`, `${c.field}: status ${status}`)
    let json: any = null
    try { json = JSON.parse(text) } catch { /* some 4xx answers are not JSON (431) */ }
    const strings = json === null ? [] : allStrings(json)
    for (const leak of LEAKS) {
      if (!leak.pattern.test(text) && !strings.some((s) => leak.pattern.test(s))) continue
      // An input echoed in a message ("Role undefined is not valid") is no leak: the answer
      // must still match with every input cut out.
      const inputs = [...allStrings(c.variables), ...Object.values(c.headers)].filter((x) => x.length >= 2).sort((x, y) => y.length - x.length)
      const cut = (value: string, escaped: boolean) => inputs.reduce((acc, x) => acc.split(escaped ? JSON.stringify(x).slice(1, -1) : x).join('\u2400'), value)
      if (leak.pattern.test(cut(text, true)) || strings.some((s) => leak.pattern.test(cut(s, false)))) report(`leak: ${leak.name}`, `${c.field}: the answer matches ${leak.pattern}`)
    }
    const errors: any[] = Array.isArray(json?.errors) ? json.errors : []
    for (const error of errors) {
      const code = error?.extensions?.code
      // (With a 5xx status, already reported above.)
      if ((code === 'INTERNAL_SERVER_ERROR' || code === 'SERVICE_UNAVAILABLE') && status < 500) report(`GraphQL ${code} with HTTP ${status}`, `${c.field}: ${error.message}`)
    }
    // An answer that failed inside: what the server logged about it.
    const requestId = /request id ([0-9a-f-]{36})/.exec(text)?.[1]
    const logged = requestId ? serverErrors.get(requestId) : undefined
    if (logged) for (const f of findings) if (f.case === c && !f.cause) Object.assign(f, logged)
    if (status !== 200 || json === null) return 'rejected'
    if (!errors.some((e) => e?.extensions?.code === 'ForbiddenError')) admitted.add(`${c.field} ${c.caller}`)
    const value = json.data?.[c.field]
    if (value === undefined || value === null) return c.op === 'query' && errors.length === 0 ? 'read' : 'rejected'
    if (c.op === 'query') return 'read'
    if (typeof value === 'object' && 'ok' in value && value.ok !== true) return 'rejected'
    timing.accepted++
    return 'accepted'
  }

  /** Session callers may have signed themselves out (or been made to): a fresh session when so. */
  const refreshSessions = async () => {
    for (const who of [fixtures.person, fixtures.projectAdmin]) {
      const me = await server.gql('{ me { id } }', { token: who.token })
      if (me.status === 200) continue
      // (If a fuzzed policy or setting refuses it, the caller stays signed out: still fuzzed, as a dead session.)
      const made = await server.gql('mutation($p: String!) { createSessionToken(personId: $p) { ok error { code } result { token } } }', { variables: { p: who.personId } })
      if (made.body.data?.createSessionToken?.ok) who.token = made.body.data.createSessionToken.result.token
    }
  }

  let baseline = await dump()
  /**
   * Back to the default settings and no auth policies. An accepted `configure` can leave a
   * password pattern nothing matches, captcha on every flow or a rate limit of 1, which would
   * keep later calls from getting far; such a state is kept for a while (what it does to other
   * calls is fuzzed too), then dropped.
   */
  const resetSettings = async () => {
    await db.query('DELETE FROM tenant_config')
    await db.query('DELETE FROM auth_policy')
    baseline = await dump()
  }
  const SETTINGS_FIELDS = new Set(['configure', 'createAuthPolicy', 'updateAuthPolicy'])
  const BATCH = 8
  /** Runs cases in order: one that may be accepted alone, refused-for-sure ones several at once; the database compared around each batch. */
  const run = async (cases: Case[]) => {
    let i = 0
    while (i < cases.length) {
      if (Date.now() - started > budgetMs) {
        stats.skipped += cases.length - i
        return
      }
      // Calls of the flows that wait on purpose run up to four at once (their waits overlap):
      // the database is compared around them only when all four were refused.
      const batch: Case[] = []
      const costly = (c: Case) => c.mayAccept && WAITING_FIELDS.has(c.field)
      if (costly(cases[i]!)) while (i < cases.length && costly(cases[i]!) && batch.length < 4) batch.push(cases[i++]!)
      else if (cases[i]!.mayAccept) batch.push(cases[i++]!)
      else while (i < cases.length && !cases[i]!.mayAccept && batch.length < BATCH) batch.push(cases[i++]!)
      for (const c of batch) c.n = caseNumber++
      stats.cases += batch.length
      const outcomes = await Promise.all(batch.map(send))
      const after = await dump()
      if (outcomes.every((o) => o !== 'accepted')) {
        stats.comparedCalls += batch.length
        if (after !== baseline) {
          findings.push({
            what: 'refused call changed the database', case: batch[0]!,
            detail: `${batch.length === 1 ? 'this call' : `one of these ${batch.length} calls`} was refused (or only read) but changed:\n${describeChange(baseline, after)}\n${batch.map((c) => `    ${describe(c, c.caller)}`).join('\n')}`,
          })
        }
      } else {
        stats.uncomparedCalls += batch.length
      }
      for (const o of outcomes) stats[o]++
      baseline = after
      if (outcomes.includes('accepted')) {
        if (batch.some((c) => SETTINGS_FIELDS.has(c.field)) && r.chance(0.5)) await resetSettings()
        await refreshSessions()
        baseline = await dump()
      }
    }
  }

  // Phase 1, probe: a plausible call of every field by each caller, to learn who gets past the
  // permission checks of which field.
  const probeCallers: CallerName[] = ['person', 'login', 'root', 'projectAdmin']
  await run(fields.flatMap(({ op, field }) => probeCallers.map((caller) => makeCase(op, field, caller, 'valid'))).filter((c): c is Case => c !== null))

  // Phase 2, sweep: every argument (and field of an input argument) of every field gets each
  // value of its type known to have broken something (SWEEP, the same whatever the seed), from
  // (up to two of) the callers the field admits, the other arguments plausible.
  const sweep: Case[] = []
  await resetSettings()
  for (const { op, field } of fields) {
    const callers = probeCallers.filter((caller) => admitted.has(`${field.name} ${caller}`)).slice(0, PASSWORD_FIELDS.has(field.name) ? 1 : 2)
    for (const leaf of leavesOf(field)) {
      for (const value of SWEEP[getNamedType(leaf.type).name] ?? []) {
        for (const caller of callers.length ? callers : ['root' as const]) {
          const variables = gen.args(field, 'valid')
          setLeaf(field, variables, leaf.path, value, gen)
          const c = makeCase(op, field, caller, 'unicode', {}, variables)
          if (c) sweep.push({ ...c, mode: 'sweep', mayAccept: op === 'mutation' })
        }
      }
    }
  }
  await run(sweep)

  // Phase 3, the random cases.
  await resetSettings()
  await run(randomCases)

  const took = Date.now() - started
  const slowest = [...perField].sort((a, b) => b[1].ms - a[1].ms).slice(0, 8).map(([f, { ms }]) => `${f} ${Math.round(ms)} ms`).join(', ')
  const neverAccepted = fields.filter(({ op, field }) => op === 'mutation' && !perField.get(field.name)?.accepted).map(({ field }) => field.name)
  const summary = `seed ${seed}: ${stats.sent} requests in ${took} ms over ${fields.length} fields (${stats.cases} cases run, ${stats.skipped} skipped for time); ` +
    `accepted ${stats.accepted}, refused ${stats.rejected}, reads ${stats.read}; database compared around ${stats.comparedCalls} calls, not around ${stats.uncomparedCalls}; ` +
    `statuses ${JSON.stringify(Object.fromEntries([...stats.status].sort((a, b) => a[0] - b[0])))}; slowest fields: ${slowest}; ` +
    `mutations never accepted: ${neverAccepted.join(', ') || 'none'}`
  t.diagnostic(summary)
  t.diagnostic(`not compared: ${Object.entries(EXCLUDED_TABLES).map(([table, why]) => `${table} (${why})`).join(', ')}; ` +
    `columns not compared: ${Object.entries(EXCLUDED_COLUMNS).map(([table, cols]) => `${table}.{${cols.join(',')}}`).join(', ')}`)
  console.log(`# ${summary}`)

  // One report per distinct problem (what, field, and the cause the server logged with its
  // values left out), each with the first request that showed it.
  const distinct = new Map<string, Finding & { count: number }>()
  for (const f of findings) {
    const key = `${f.what} @ ${f.case.field}${f.signature ? ` <- ${f.signature}` : ''}`
    const seen = distinct.get(key)
    if (seen) seen.count++
    else distinct.set(key, { ...f, count: 1 })
  }
  const entries = [...distinct.entries()]
  const report = `${entries.map(([key, f]) => `  ${key} (${f.count}x)`).join('\n')}\n\nThe first request of each:\n` +
    entries.slice(0, 60).map(([key, f]) => `- ${key}: ${f.detail}${f.cause ? `\n    server log: ${f.cause}` : ''}`).join('\n')
  assert.equal(findings.length, 0, `fuzz seed ${seed} (repeat with FUZZ_SEED=${seed}): ${distinct.size} distinct problem(s), ${findings.length} in all:\n${report}`)
})
