import assert from 'node:assert/strict'
import { test } from 'node:test'
import { secondsUntilNextAttempt } from '../../src/model/sessions/backoff.js'
import { defaultConfig, type LoginConfig } from '../../src/model/config/tenantConfig.js'

// The reference's defaults: 1 s doubling to 60 s, failures forgotten after 5 minutes.
const login: LoginConfig = {
  ...defaultConfig.login,
  baseBackoff: 1,
  maxBackoff: 60,
  attemptWindow: 300,
  revealUserExists: true,
  revealLoginMethod: true,
  defaultTokenExpiration: 1800,
  maxTokenExpiration: 15552000,
}

const now = new Date('2025-03-01T12:00:00.000Z')
/** `failures` failed sign-ins, the last one `ago` seconds before `now`. */
const failed = (failures: number, ago: number) => ({
  failures,
  firstFailedAt: new Date(now.getTime() - (ago + 10) * 1000),
  lastFailedAt: new Date(now.getTime() - ago * 1000),
})

const cases: { name: string; failure: ReturnType<typeof failed> | null; config?: Partial<LoginConfig>; expected: number }[] = [
  { name: 'no failure', failure: null, expected: 0 },
  { name: '1 failure just now', failure: failed(1, 0), expected: 1 },
  { name: '2 failures just now', failure: failed(2, 0), expected: 2 },
  { name: '3 failures just now', failure: failed(3, 0), expected: 4 },
  { name: '4 failures just now', failure: failed(4, 0), expected: 8 },
  { name: '6 failures just now', failure: failed(6, 0), expected: 32 },
  { name: '7 failures just now (64 s capped at 60)', failure: failed(7, 0), expected: 60 },
  { name: '50 failures just now (capped, no overflow)', failure: failed(50, 0), expected: 60 },

  // time already waited counts, and a partial second still to wait rounds up
  { name: '3 failures, 1 s ago', failure: failed(3, 1), expected: 3 },
  { name: '3 failures, 1.5 s ago', failure: failed(3, 1.5), expected: 3 },
  { name: '3 failures, 3.25 s ago', failure: failed(3, 3.25), expected: 1 },
  { name: '1 failure, 0.2 s ago', failure: failed(1, 0.2), expected: 1 },
  { name: '3 failures, exactly 4 s ago', failure: failed(3, 4), expected: 0 },
  { name: '3 failures, 10 s ago', failure: failed(3, 10), expected: 0 },
  { name: '7 failures, 59.5 s ago', failure: failed(7, 59.5), expected: 1 },
  { name: '7 failures, 60 s ago', failure: failed(7, 60), expected: 0 },

  // failures older than the attempt window are forgotten
  { name: '7 failures, 301 s ago', failure: failed(7, 301), expected: 0 },
  { name: '7 failures, exactly 300 s ago', failure: failed(7, 300), expected: 0 },
  { name: '20 failures, 299 s ago, max 600 s', failure: failed(20, 299), config: { maxBackoff: 600 }, expected: 301 },
  { name: '20 failures, 300 s ago, max 600 s', failure: failed(20, 300), config: { maxBackoff: 600 }, expected: 0 },
  { name: '20 failures, 300 s ago, window 1 h, max 600 s', failure: failed(20, 300), config: { maxBackoff: 600, attemptWindow: 3600 }, expected: 300 },

  // custom base and cap
  { name: '1 failure, base 5 s', failure: failed(1, 0), config: { baseBackoff: 5 }, expected: 5 },
  { name: '3 failures, base 5 s', failure: failed(3, 0), config: { baseBackoff: 5 }, expected: 20 },
  { name: '3 failures, base 5 s, max 10 s', failure: failed(3, 0), config: { baseBackoff: 5, maxBackoff: 10 }, expected: 10 },
  { name: '4 failures, base 2 s, 5 s ago', failure: failed(4, 5), config: { baseBackoff: 2 }, expected: 11 },
  { name: '10 failures, max 1000 s', failure: failed(10, 0), config: { maxBackoff: 1000 }, expected: 512 },
  { name: '5 failures, base 0 (back-off off)', failure: failed(5, 0), config: { baseBackoff: 0 }, expected: 0 },
  // a node whose clock runs ahead stamped the failure "in the future": the cap still holds
  { name: '1 failure stamped 10 s ahead', failure: failed(1, -10), expected: 1 },
  { name: '7 failures stamped 10 s ahead', failure: failed(7, -10), expected: 60 },
]

for (const c of cases) {
  test(`back-off: ${c.name} -> wait ${c.expected} s`, () => {
    assert.equal(secondsUntilNextAttempt(c.failure, now, { ...login, ...c.config }), c.expected)
  })
}

test('back-off: the wait shrinks second by second until the next attempt is allowed', () => {
  const failure = failed(4, 0)
  const waits = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((s) => secondsUntilNextAttempt(failure, new Date(now.getTime() + s * 1000), login))
  assert.deepEqual(waits, [8, 7, 6, 5, 4, 3, 2, 1, 0])
})

test('back-off: only the last failure counts, not the first', () => {
  const failure = { failures: 2, firstFailedAt: new Date(now.getTime() - 290_000), lastFailedAt: now }
  assert.equal(secondsUntilNextAttempt(failure, now, login), 2)
})
