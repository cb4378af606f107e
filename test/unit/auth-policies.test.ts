import assert from 'node:assert/strict'
import { test } from 'node:test'
import { combinePolicies, NO_POLICY } from '../../src/model/authPolicies/effectivePolicy.js'
import { sessionMinutes } from '../../src/model/sessions/createSession.js'
import { defaultConfig } from '../../src/model/config/tenantConfig.js'
import { newBackupCode, normaliseBackupCode } from '../../src/model/mfa/backupCodes.js'

// Auth policies add up the safe way, and a session's length follows from what was asked, the
// configuration and the policies. Backup codes: their shape, and what typing them may vary.

const policy = (fields: Partial<Parameters<typeof combinePolicies>[0][number]>) =>
  ({ mfaRequired: null, tokenExpiration: null, idleTimeout: null, graceDuration: null, rememberMeAllowed: null, ...fields })

test('combinePolicies: MFA if any asks, the shortest durations, remember-me only if none forbids it', () => {
  const cases: [string, ReturnType<typeof policy>[], typeof NO_POLICY][] = [
    ['none', [], NO_POLICY],
    ['silent policies', [policy({}), policy({})], NO_POLICY],
    ['one requires MFA', [policy({ mfaRequired: false }), policy({ mfaRequired: true })], { ...NO_POLICY, mfaRequired: true }],
    ['false is no requirement', [policy({ mfaRequired: false })], NO_POLICY],
    ['shortest of each', [policy({ tokenExpiration: 28_800, idleTimeout: 600 }), policy({ tokenExpiration: 3600, graceDuration: 86_400 }), policy({ idleTimeout: 1800, graceDuration: 3600 })],
      { ...NO_POLICY, tokenExpiration: 3600, idleTimeout: 600, graceDuration: 3600 }],
    ['a zero grace wins', [policy({ graceDuration: 0 }), policy({ graceDuration: 600 })], { ...NO_POLICY, graceDuration: 0 }],
    ['remember-me allowed by all', [policy({ rememberMeAllowed: true }), policy({})], { ...NO_POLICY, rememberMeAllowed: true }],
    ['remember-me forbidden by one', [policy({ rememberMeAllowed: true }), policy({ rememberMeAllowed: false })], { ...NO_POLICY, rememberMeAllowed: false }],
  ]
  for (const [name, policies, expected] of cases) assert.deepEqual(combinePolicies(policies), expected, name)
})

test('sessionMinutes: asked, default, configured maximum and policy, the strictest wins; never under a minute', () => {
  const login = { ...defaultConfig.login, defaultTokenExpiration: 1800, maxTokenExpiration: 86_400 }
  const cases: [string, number | null, typeof defaultConfig.login, typeof NO_POLICY, number][] = [
    ['default', null, login, NO_POLICY, 30],
    ['0 is the default', 0, login, NO_POLICY, 30],
    ['negative is the default', -5, login, NO_POLICY, 30],
    ['asked', 120, login, NO_POLICY, 120],
    ['capped by the configuration', 100_000, login, NO_POLICY, 1440],
    ['no configured maximum', 100_000, { ...login, maxTokenExpiration: null }, NO_POLICY, 100_000],
    ['capped by a policy', 600, login, { ...NO_POLICY, tokenExpiration: 3600 }, 60],
    ['the default capped by a policy', null, login, { ...NO_POLICY, tokenExpiration: 600 }, 10],
    ['remember-me forbidden: no longer than the default', 600, login, { ...NO_POLICY, rememberMeAllowed: false }, 30],
    ['remember-me forbidden: shorter is fine', 5, login, { ...NO_POLICY, rememberMeAllowed: false }, 5],
    ['remember-me allowed', 600, login, { ...NO_POLICY, rememberMeAllowed: true }, 600],
    ['at least a minute', null, { ...login, defaultTokenExpiration: 60 }, { ...NO_POLICY, tokenExpiration: 30 }, 1],
  ]
  for (const [name, requested, config, p, minutes] of cases) assert.equal(sessionMinutes(requested, config, p), minutes, name)
})

test('backup codes: ten characters without look-alikes, shown in two halves; typing may vary in case, spaces and hyphens', () => {
  const codes = Array.from({ length: 200 }, newBackupCode)
  for (const code of codes) assert.match(code, /^[a-km-np-z2-9]{5}-[a-km-np-z2-9]{5}$/)
  assert.equal(new Set(codes).size, codes.length)
  const cases: [string, string][] = [
    ['abcde-fghij', 'abcdefghij'],
    ['ABCDE-FGHIJ', 'abcdefghij'],
    [' abcde fghij ', 'abcdefghij'],
    ['abcdefghij', 'abcdefghij'],
    ['ab-cd-ef-gh-ij', 'abcdefghij'],
  ]
  for (const [typed, normalised] of cases) assert.equal(normaliseBackupCode(typed), normalised, typed)
})
