import assert from 'node:assert/strict'
import { afterEach, test } from 'node:test'
import { randomEmail } from '../helpers/fixtures.js'
import { counts, goodPassword, payload, personRow, signInAnswer, signUpPerson } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'

// Inputs that used to stall the service or switch a rule off: an over-long password, a
// backtracking password.pattern, and an interval unit found on Object.prototype.

const server = await startServer()

const CONFIGURE = 'mutation($config: ConfigInput!) { configure(config: $config) { ok error { code developerMessage } } }'
const CONFIGURATION = '{ configuration { password { pattern } login { baseBackoff maxBackoff attemptWindow } } }'
const SIGN_UP = 'mutation($email: String!, $password: String) { signUp(email: $email, password: $password) { ok error { code weakPasswordReasons } } }'
const CHANGE_PASSWORD = 'mutation($id: String!, $password: String!) { changePassword(personId: $id, password: $password) { ok error { code weakPasswordReasons } } }'

async function configuration() {
  const { status, body } = await server.gql(CONFIGURATION)
  assert.equal(status, 200, JSON.stringify(body))
  return body.data.configuration
}

const configure = (config: unknown) => payload(server, CONFIGURE, { config })

// Each test starts from the defaults of what it touches.
afterEach(async () => {
  assert.equal((await configure({ password: { pattern: null }, login: { baseBackoff: null, maxBackoff: null, attemptWindow: null } })).ok, true)
})

test('configure: an interval unit that is an Object.prototype key ("1 constructor") is INVALID_CONFIG and changes nothing', async () => {
  assert.equal((await configure({ login: { baseBackoff: 'PT2S' } })).ok, true)
  const before = await configuration()
  for (const baseBackoff of ['1 constructor', '3 toString', '1 __proto__', '99999999999999999999999 seconds', 'P9999999999999999999D', 'P11Y']) {
    const r = await configure({ login: { baseBackoff } })
    assert.equal(r.ok, false, baseBackoff)
    assert.equal(r.error.code, 'INVALID_CONFIG')
    assert.match(r.error.developerMessage, /^login\.baseBackoff: /)
    assert.deepEqual(await configuration(), before, baseBackoff)
  }
  assert.equal(before.login.baseBackoff, 'PT2S')
})

test('configuration: a null interval stored before the fix reads as the default, not a 500', async () => {
  // What "1 constructor" left behind: NaN, written as JSON null.
  await configure({ login: { maxBackoff: 'PT2M' } })
  await server.app.deps.db.query(`UPDATE tenant_config SET value = jsonb_set(value, '{login,baseBackoff}', 'null')`)
  const { rows } = await server.app.deps.db.query<{ type: string }>(`SELECT jsonb_typeof(value #> '{login,baseBackoff}') AS type FROM tenant_config`)
  assert.equal(rows[0]!.type, 'null')
  assert.deepEqual((await configuration()).login, { baseBackoff: 'PT1S', maxBackoff: 'PT2M', attemptWindow: 'PT5M' })
})

test('configure: a lookahead or backreference pattern is INVALID_CONFIG (RE2 syntax)', async () => {
  for (const pattern of ['(?=.*[A-Z])', '(a)\\1']) {
    const r = await configure({ password: { pattern } })
    assert.deepEqual({ ok: r.ok, code: r.error?.code }, { ok: false, code: 'INVALID_CONFIG' }, pattern)
    assert.match(r.error.developerMessage, /^password\.pattern: .*RE2 syntax \(no lookaround, no backreferences\)/)
  }
  assert.equal((await configuration()).password.pattern, null)
})

test('changePassword: ^(a+)+$ against 40 "a" and "!" answers TOO_WEAK with INVALID_PATTERN, and /health answers meanwhile', async () => {
  assert.deepEqual(await configure({ password: { pattern: '^(a+)+$' } }), { ok: true, error: null })
  const person = await signUpPerson(server, { password: null })
  const before = await personRow(server, person.personId)
  // Under a backtracking engine the event loop (and with it this in-process test) would stall
  // for hours here; under RE2 all of these finish at once.
  const [changed, health, again] = await Promise.all([
    payload(server, CHANGE_PASSWORD, { id: person.personId, password: 'a'.repeat(40) + '!' }),
    server.fetch('/health'),
    payload(server, CHANGE_PASSWORD, { id: person.personId, password: 'a'.repeat(500) + '!' }),
  ])
  assert.equal(health.status, 200)
  for (const r of [changed, again]) {
    assert.equal(r.ok, false)
    assert.equal(r.error.code, 'TOO_WEAK')
    assert.ok(r.error.weakPasswordReasons.includes('INVALID_PATTERN'), JSON.stringify(r.error))
  }
  assert.deepEqual(await personRow(server, person.personId), before)
  // The pattern still works as a rule: a password it matches (and that meets the rest) passes it.
  const matching = await payload(server, CHANGE_PASSWORD, { id: person.personId, password: 'a'.repeat(40) })
  assert.deepEqual(matching.error.weakPasswordReasons.sort(), ['MISSING_DIGIT', 'MISSING_UPPERCASE'])
})

test('signUp: a 512-character password is accepted and signs in', async () => {
  const email = randomEmail()
  const password = goodPassword().padEnd(512, 'x')
  assert.deepEqual(await payload(server, SIGN_UP, { email, password }), { ok: true, error: null })
  assert.equal(await signInAnswer(server, email, password), 'ok')
})

test('signUp and changePassword: 513 characters and more are TOO_WEAK with exactly TOO_LONG, and change nothing', async () => {
  const person = await signUpPerson(server)
  const before = { counts: await counts(server), person: await personRow(server, person.personId) }
  // 16,384 is the longest string argument the API passes on (inputLimits.ts).
  for (const password of [goodPassword().padEnd(513, 'x'), 'a'.repeat(513), 'Aa1-'.padEnd(16_384, '😀')]) {
    const signUp = await payload(server, SIGN_UP, { email: randomEmail(), password })
    assert.deepEqual(signUp, { ok: false, error: { code: 'TOO_WEAK', weakPasswordReasons: ['TOO_LONG'] } }, `${password.length}`)
    const change = await payload(server, CHANGE_PASSWORD, { id: person.personId, password })
    assert.deepEqual(change, { ok: false, error: { code: 'TOO_WEAK', weakPasswordReasons: ['TOO_LONG'] } }, `${password.length}`)
  }
  assert.deepEqual({ counts: await counts(server), person: await personRow(server, person.personId) }, before)
})

test('signUp: a 100,000-character password is refused at once and creates nothing', async () => {
  const before = await counts(server)
  const { status, body } = await server.gql(SIGN_UP, { variables: { email: randomEmail(), password: 'Aa1-'.repeat(25_000) } })
  assert.equal(status, 200)
  // The argument limit (inputLimits.ts) refuses strings this long before any resolver runs;
  // without it, the policy answers TOO_LONG before normalising or segmenting anything.
  if (body.errors?.[0]?.extensions?.code === 'UserInputError') assert.equal(body.data.signUp, null)
  else assert.deepEqual(body.data.signUp, { ok: false, error: { code: 'TOO_WEAK', weakPasswordReasons: ['TOO_LONG'] } })
  assert.deepEqual(await counts(server), before)
})
