import assert from 'node:assert/strict'
import { test } from 'node:test'
import { configInputSchema, defaultConfig, mergeConfig, type StoredConfig } from '../../src/model/config/tenantConfig.js'

// What `configure(config:)` accepts, before anything is stored (the use case answers INVALID_CONFIG
// with the first issue's path and message).
const cases: { input: unknown; accepted: boolean; message?: RegExp }[] = [
  { input: { password: { pattern: '^[A-Za-z0-9]+$' } }, accepted: true },
  { input: { password: { pattern: '\\p{Lu}' } }, accepted: true },
  { input: { password: { pattern: '.{8,}' } }, accepted: true },
  // RE2 runs it in linear time, so it is harmless
  { input: { password: { pattern: '^(a+)+$' } }, accepted: true },
  { input: { password: { pattern: null } }, accepted: true },
  // lookaround and backreferences need a backtracking engine
  { input: { password: { pattern: '(?=.*[A-Z])' } }, accepted: false, message: /RE2 syntax \(no lookaround, no backreferences\)/ },
  { input: { password: { pattern: '(?<!a)b' } }, accepted: false, message: /RE2 syntax/ },
  { input: { password: { pattern: '(a)\\1' } }, accepted: false, message: /RE2 syntax/ },
  { input: { password: { pattern: '(' } }, accepted: false, message: /RE2 syntax/ },
  { input: { password: { pattern: 'a'.repeat(1001) } }, accepted: false },

  // no password longer than 512 units is accepted, so no rule may ask for more
  { input: { password: { minLength: 512 } }, accepted: true },
  { input: { password: { minLength: 513 } }, accepted: false },
  { input: { password: { requireSpecial: 512 } }, accepted: true },
  { input: { password: { requireDigit: 513 } }, accepted: false },

  // intervals: own unit names only, at most 10 years
  { input: { login: { baseBackoff: '1 second' } }, accepted: true },
  { input: { login: { baseBackoff: '1 constructor' } }, accepted: false, message: /must be a duration/ },
  { input: { login: { attemptWindow: '3 toString' } }, accepted: false },
  { input: { login: { maxTokenExpiration: 'P10Y' } }, accepted: true },
  { input: { login: { maxTokenExpiration: 'P11Y' } }, accepted: false },
  { input: { login: { maxBackoff: '99999999999999999999999 seconds' } }, accepted: false },
]

for (const c of cases) {
  test(`configInputSchema: ${JSON.stringify(c.input).slice(0, 80)} is ${c.accepted ? 'accepted' : 'refused'}`, () => {
    const parsed = configInputSchema.safeParse(c.input)
    assert.equal(parsed.success, c.accepted, JSON.stringify(parsed.error?.issues))
    if (c.message) assert.match(parsed.error!.issues[0]!.message, c.message)
  })
}

// A NaN interval used to be stored as JSON null; reading it back must not turn a rule off.
const stored: { stored: StoredConfig; check: (c: ReturnType<typeof mergeConfig>) => void }[] = [
  { stored: {}, check: (c) => assert.deepEqual(c, defaultConfig) },
  { stored: { login: { baseBackoff: null as unknown as number } }, check: (c) => assert.equal(c.login.baseBackoff, 1) },
  { stored: { login: { attemptWindow: null as unknown as number, maxBackoff: 120 } }, check: (c) => assert.deepEqual([c.login.attemptWindow, c.login.maxBackoff], [300, 120]) },
  { stored: { password: { minLength: null as unknown as number } }, check: (c) => assert.equal(c.password.minLength, 8) },
  // where null is a setting, it stays
  { stored: { login: { maxTokenExpiration: null } }, check: (c) => assert.equal(c.login.maxTokenExpiration, null) },
  { stored: { password: { pattern: '^x' } }, check: (c) => assert.equal(c.password.pattern, '^x') },
  { stored: { password: { pattern: null } }, check: (c) => assert.equal(c.password.pattern, null) },
]

for (const c of stored) {
  test(`mergeConfig: stored ${JSON.stringify(c.stored)}`, () => c.check(mergeConfig(c.stored)))
}
