import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError, loadConfig } from '../../src/config/env.js'

const key = 'ab'.repeat(32)

test('config: defaults for an empty environment', () => {
  const config = loadConfig({})
  assert.equal(config.PORT, 4000)
  assert.equal(config.HOST, '127.0.0.1')
  assert.equal(config.DATA_DIR, './data')
  assert.equal(config.DATABASE_URL, undefined)
  assert.equal(config.BODY_LIMIT, 1024 * 1024)
  assert.equal(config.LOG_LEVEL, 'info')
})

const cases: { env: Record<string, string>; error?: RegExp; check?: (c: ReturnType<typeof loadConfig>) => void }[] = [
  { env: { PORT: '8080' }, check: (c) => assert.equal(c.PORT, 8080) },
  { env: { PORT: ' 8080 ' }, check: (c) => assert.equal(c.PORT, 8080) },
  { env: { PORT: 'abc' }, error: /^invalid configuration: PORT must be a whole number \(got "abc"\)$/ },
  { env: { PORT: '-1' }, error: /PORT must be a whole number/ },
  { env: { PORT: '65536' }, error: /PORT must be between 0 and 65535/ },
  { env: { DATABASE_URL: '' }, check: (c) => assert.equal(c.DATABASE_URL, undefined) },
  { env: { DATABASE_URL: 'postgres://u:p@db:5432/tenant', TENANT_ENCRYPTION_KEY: key }, check: (c) => assert.equal(c.DATABASE_URL, 'postgres://u:p@db:5432/tenant') },
  { env: { DATABASE_URL: 'postgresql://db/tenant', TENANT_ENCRYPTION_KEY: key }, check: (c) => assert.equal(c.DATABASE_URL, 'postgresql://db/tenant') },
  { env: { DATABASE_URL: 'localhost:5432', TENANT_ENCRYPTION_KEY: key }, error: /^invalid configuration: DATABASE_URL must be a URL like postgres:\/\/user:password@host:5432\/database$/ },
  { env: { DATABASE_URL: 'postgres://db/tenant' }, error: /TENANT_ENCRYPTION_KEY is required with DATABASE_URL/ },
  { env: { TENANT_ENCRYPTION_KEY: 'abc' }, error: /TENANT_ENCRYPTION_KEY must be 32 bytes/ },
  { env: { TENANT_ENCRYPTION_KEY: key.toUpperCase() }, check: (c) => assert.equal(c.TENANT_ENCRYPTION_KEY, key.toUpperCase()) },
  { env: { TENANT_ENCRYPTION_KEY: Buffer.from(key, 'hex').toString('base64') }, check: (c) => assert.ok(c.TENANT_ENCRYPTION_KEY) },
  { env: { TENANT_ENCRYPTION_OLD_KEYS: `${key}, ${'1'.repeat(64)}` }, check: (c) => assert.deepEqual(c.TENANT_ENCRYPTION_OLD_KEYS, [key, '1'.repeat(64)]) },
  { env: { TENANT_ENCRYPTION_OLD_KEYS: `${key},nope` }, error: /TENANT_ENCRYPTION_OLD_KEYS must be a comma-separated list/ },
  { env: { CONTEMBER_ROOT_EMAIL: 'admin@example.com' }, error: /CONTEMBER_ROOT_PASSWORD and CONTEMBER_ROOT_EMAIL must be set together/ },
  { env: { CONTEMBER_ROOT_EMAIL: 'admin@example.com', CONTEMBER_ROOT_PASSWORD: 'Secret-123' }, check: (c) => assert.equal(c.CONTEMBER_ROOT_EMAIL, 'admin@example.com') },
  { env: { DATABASE_URL: 'http://db/tenant' }, error: /DATABASE_URL must be a URL/ },
  { env: { CONTEMBER_ROOT_TOKEN: 'x'.repeat(15) }, error: /CONTEMBER_ROOT_TOKEN must be at least 16 characters long$/ },
  { env: { CONTEMBER_ROOT_TOKEN: 'x'.repeat(40), CONTEMBER_LOGIN_TOKEN: 'x'.repeat(40) }, error: /CONTEMBER_LOGIN_TOKEN must differ from CONTEMBER_ROOT_TOKEN/ },
  { env: { LOG_LEVEL: 'loud' }, error: /LOG_LEVEL/ },
  { env: { BODY_LIMIT: '10' }, error: /BODY_LIMIT must be at least 1024/ },
  { env: { PORT: 'x', BODY_LIMIT: 'y' }, error: /PORT .*; BODY_LIMIT / },
]

for (const c of cases) {
  test(`config: ${JSON.stringify(c.env)} ${c.error ? 'is refused' : 'is accepted'}`, () => {
    if (c.error) {
      assert.throws(() => loadConfig(c.env), (e: unknown) => e instanceof ConfigError && c.error!.test(e.message))
    } else {
      c.check!(loadConfig(c.env))
    }
  })
}

test('config: a bad secret is named but never echoed', () => {
  const secret = 'postgres-secret-value'
  assert.throws(() => loadConfig({ DATABASE_URL: secret }), (e: unknown) => e instanceof Error && !e.message.includes(secret))
  assert.throws(() => loadConfig({ CONTEMBER_ROOT_TOKEN: 'tiny' }), (e: unknown) => e instanceof Error && !e.message.includes('tiny'))
  assert.throws(() => loadConfig({ TENANT_ENCRYPTION_KEY: 'tiny-key' }), (e: unknown) => e instanceof Error && !e.message.includes('tiny-key'))
})
