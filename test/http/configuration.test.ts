import assert from 'node:assert/strict'
import { afterEach, test } from 'node:test'
import { manualClock } from '../../src/model/clock.js'
import { hashToken } from '../../src/model/tokens.js'
import { randomEmail } from '../helpers/fixtures.js'
import { goodPassword, identityWithToken, personWithSession, signInPerson, signUpPerson } from '../helpers/persons.js'
import { startServer, type TestServer } from '../helpers/server.js'

const clock = manualClock(new Date('2026-03-01T12:00:00Z'))
const server = await startServer({ clock })

const CONFIGURATION = `{ configuration {
  password { minLength requireUppercase requireLowercase requireDigit requireSpecial pattern checkBlacklist }
  login { baseBackoff maxBackoff attemptWindow revealUserExists defaultTokenExpiration maxTokenExpiration } } }`
const CONFIGURE = 'mutation($config: ConfigInput!) { configure(config: $config) { ok error { code developerMessage } } }'
const SIGN_UP = 'mutation($email: String!, $password: String!) { signUp(email: $email, password: $password) { ok error { code weakPasswordReasons } } }'

const defaults = {
  password: { minLength: 8, requireUppercase: 1, requireLowercase: 1, requireDigit: 1, requireSpecial: 0, pattern: null, checkBlacklist: true },
  login: {
    baseBackoff: 'PT1S', maxBackoff: 'PT1M', attemptWindow: 'PT5M', revealUserExists: true,
    defaultTokenExpiration: 'PT30M', maxTokenExpiration: 'P180D',
  },
}

async function configuration(s: TestServer = server, token?: string) {
  const { status, body } = await s.gql(CONFIGURATION, { token })
  assert.equal(status, 200, JSON.stringify(body))
  return body.data.configuration
}

async function configure(config: unknown, token?: string) {
  const { status, body } = await server.gql(CONFIGURE, { token, variables: { config } })
  assert.equal(status, 200, JSON.stringify(body))
  assert.equal(body.errors, undefined, JSON.stringify(body.errors))
  return body.data.configure
}

/** "ok" or the code and reasons signUp answers for this password. */
async function signUpAnswer(password: string) {
  const { body } = await server.gql(SIGN_UP, { variables: { email: randomEmail(), password } })
  const r = body.data.signUp
  return r.ok ? 'ok' : `${r.error.code} ${[...r.error.weakPasswordReasons ?? []].sort().join(',')}`
}

// Every test starts from the defaults. (`maxTokenExpiration: null` means "no limit", so its
// default is set by value.)
afterEach(async () => {
  const nulls = (o: object) => Object.fromEntries(Object.keys(o).map((k) => [k, null]))
  const r = await configure({ password: nulls(defaults.password), login: { ...nulls(defaults.login), maxTokenExpiration: 'P180D' } })
  assert.equal(r.ok, true)
})

test('configuration: a new tenant has the documented defaults', async () => {
  const fresh = await startServer()
  assert.deepEqual(await configuration(fresh), defaults)
})

test('configure: a longer minLength makes a shorter password TOO_WEAK on signUp', async () => {
  assert.deepEqual(await configure({ password: { minLength: 12 } }), { ok: true, error: null })
  assert.equal((await configuration()).password.minLength, 12)
  assert.equal(await signUpAnswer('Abcdefgh1x'), 'TOO_WEAK TOO_SHORT')
  assert.equal(await signUpAnswer('Abcdefgh1xyz'), 'ok')
})

test('configure: a pattern is enforced (INVALID_PATTERN), and null removes it', async () => {
  assert.equal((await configure({ password: { pattern: '^[A-Z]' } })).ok, true)
  assert.equal((await configuration()).password.pattern, '^[A-Z]')
  assert.equal(await signUpAnswer('bcdefgH1x'), 'TOO_WEAK INVALID_PATTERN')
  assert.equal(await signUpAnswer('Bcdefgh1x'), 'ok')
  assert.equal((await configure({ password: { pattern: null } })).ok, true)
  assert.equal((await configuration()).password.pattern, null)
  assert.equal(await signUpAnswer('bcdefgH1x'), 'ok')
})

test('configure: requireSpecial counts characters that are neither letters nor digits', async () => {
  assert.equal((await configure({ password: { requireSpecial: 2 } })).ok, true)
  assert.equal(await signUpAnswer('Bcdefgh1!x'), 'TOO_WEAK MISSING_SPECIAL')
  assert.equal(await signUpAnswer('Bcd-fgh1!x'), 'ok')
})

test('configure: class rules can be turned off with 0', async () => {
  assert.equal(await signUpAnswer('bcdefghxyz'), 'TOO_WEAK MISSING_DIGIT,MISSING_UPPERCASE')
  assert.equal((await configure({ password: { requireUppercase: 0, requireDigit: 0 } })).ok, true)
  assert.equal(await signUpAnswer('bcdefghxyz'), 'ok')
})

test('configure: checkBlacklist false lets a common password through when it meets the other rules', async () => {
  assert.equal(await signUpAnswer('Password1'), 'TOO_WEAK BLACKLISTED')
  assert.equal((await configure({ password: { checkBlacklist: false } })).ok, true)
  assert.equal((await configuration()).password.checkBlacklist, false)
  assert.equal(await signUpAnswer('Password1'), 'ok')
  assert.equal(await signUpAnswer('password1'), 'TOO_WEAK MISSING_UPPERCASE')
})

test('configure: defaultTokenExpiration PT10M makes sessions that expire 10 minutes after sign-in', async () => {
  const person = await signUpPerson(server)
  assert.equal((await configure({ login: { defaultTokenExpiration: 'PT10M' } })).ok, true)
  assert.equal((await configuration()).login.defaultTokenExpiration, 'PT10M')
  const token = await signInPerson(server, person)
  const { rows } = await server.app.deps.db.query<{ expiresAt: Date }>(
    'SELECT expires_at AS "expiresAt" FROM api_key WHERE token_hash = $1', [hashToken(token)])
  assert.equal(rows[0]!.expiresAt.getTime(), clock.now().getTime() + 10 * 60_000)
})

test('configure: intervals are read as ISO 8601 and also taken as text or seconds', async () => {
  for (const [input, output] of [['PT10M', 'PT10M'], ['10 minutes', 'PT10M'], ['00:10:00', 'PT10M'], [600, 'PT10M'], ['P1DT2H', 'P1DT2H']] as const) {
    assert.equal((await configure({ login: { attemptWindow: input } })).ok, true, String(input))
    assert.equal((await configuration()).login.attemptWindow, output, String(input))
  }
})

test('configure: a left-out field keeps its value; null returns a field to its default', async () => {
  const changed = {
    password: { minLength: 12, requireUppercase: 2, requireLowercase: 2, requireDigit: 2, requireSpecial: 1, pattern: '.', checkBlacklist: false },
    login: {
      baseBackoff: 'PT2S', maxBackoff: 'PT2M', attemptWindow: 'PT10M', revealUserExists: false,
      defaultTokenExpiration: 'PT1H', maxTokenExpiration: 'P7D',
    },
  }
  assert.equal((await configure(changed)).ok, true)
  assert.deepEqual(await configuration(), changed)
  assert.equal((await configure({ password: { requireDigit: 3 } })).ok, true)
  assert.deepEqual(await configuration(), { ...changed, password: { ...changed.password, requireDigit: 3 } })
  const nulls = {
    password: { minLength: null, requireUppercase: null, requireLowercase: null, requireDigit: null, requireSpecial: null, pattern: null, checkBlacklist: null },
    login: { baseBackoff: null, maxBackoff: null, attemptWindow: null, revealUserExists: null, defaultTokenExpiration: null, maxTokenExpiration: null },
  }
  assert.equal((await configure(nulls)).ok, true)
  // maxTokenExpiration null is "no limit", not the default.
  assert.deepEqual(await configuration(), { ...defaults, login: { ...defaults.login, maxTokenExpiration: null } })
})

test('configure: an invalid or inconsistent value is INVALID_CONFIG and changes nothing', async () => {
  assert.equal((await configure({ password: { minLength: 10 }, login: { maxBackoff: 'PT2M' } })).ok, true)
  const before = await configuration()
  const cases = [
    { password: { minLength: -1 } },
    { login: { baseBackoff: 'soon' } },
    { password: { pattern: '(' } },
    { login: { baseBackoff: 'PT3M' } },
    { login: { defaultTokenExpiration: 'P181D' } },
    { login: { maxTokenExpiration: 'PT10M' } },
    { password: { minLength: 20 }, login: { attemptWindow: 'soon' } },
  ]
  for (const config of cases) {
    const r = await configure(config)
    assert.equal(r.ok, false, JSON.stringify(config))
    assert.equal(r.error.code, 'INVALID_CONFIG')
    assert.ok(r.error.developerMessage.length > 0)
    assert.deepEqual(await configuration(), before, JSON.stringify(config))
  }
})

test('configuration and configure: the login token and a plain person get ForbiddenError and change nothing', async () => {
  const person = await personWithSession(server)
  for (const token of [server.loginToken, person.token]) {
    const view = await server.gql(CONFIGURATION, { token })
    assert.equal(view.status, 400)
    assert.equal(view.body.data, null)
    assert.equal(view.body.errors[0].extensions.code, 'ForbiddenError')
    assert.deepEqual(view.body.errors[0].path, ['configuration'])

    const change = await server.gql(CONFIGURE, { token, variables: { config: { password: { minLength: 4 } } } })
    assert.equal(change.status, 200)
    assert.deepEqual(change.body.data, { configure: null })
    assert.equal(change.body.errors[0].extensions.code, 'ForbiddenError')
  }
  assert.deepEqual(await configuration(), defaults)
})

test('configuration and configure: a project admin, with or without a person, may view and configure', async () => {
  const adminPerson = await personWithSession(server, { roles: ['project_admin'] })
  const adminKey = await identityWithToken(server, ['project_admin'])
  for (const [token, minLength] of [[adminPerson.token, 9], [adminKey.token, 10]] as const) {
    assert.deepEqual(await configuration(server, token), await configuration())
    assert.deepEqual(await configure({ password: { minLength } }, token), { ok: true, error: null })
    assert.equal((await configuration()).password.minLength, minLength)
  }
  assert.equal(await signUpAnswer(goodPassword().slice(0, 9)), 'TOO_WEAK TOO_SHORT')
})
