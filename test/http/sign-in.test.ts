import assert from 'node:assert/strict'
import { test } from 'node:test'
import { manualClock } from '../../src/model/clock.js'
import { randomEmail } from '../helpers/fixtures.js'
import { persistentDb, startServer, type TestServer } from '../helpers/server.js'

const clock = manualClock(new Date('2026-03-01T10:00:00Z'))
const server = await startServer({ clock })
const PASSWORD = 'Correct-Horse-42'

const signUp = async (s: TestServer, email: string, password: string | null = PASSWORD) => {
  const { body } = await s.gql(`mutation ($email: String!, $password: String) { signUp(email: $email, password: $password) { ok result { person { id } } } }`,
    { variables: { email, password } })
  assert.equal(body.data.signUp.ok, true)
  return body.data.signUp.result.person.id as string
}

const signIn = async (s: TestServer, email: string, password: string, extra: Record<string, unknown> = {}) => {
  const { status, body } = await s.gql(`mutation ($email: String!, $password: String!, $expiration: Int, $otpToken: String) {
      signIn(email: $email, password: $password, expiration: $expiration, otpToken: $otpToken) {
        ok errors { code } error { code developerMessage retryAfter } result { token person { id email } } } }`,
  { token: s.loginToken, variables: { email, password, ...extra } })
  assert.equal(status, 200)
  return body.data.signIn
}

const configure = (s: TestServer, config: unknown) =>
  s.gql('mutation ($config: ConfigInput!) { configure(config: $config) { ok error { code developerMessage } } }', { variables: { config } })

test('signIn: the right password gives a 40-hex session token that authenticates me', async () => {
  const email = randomEmail()
  const personId = await signUp(server, email)
  const result = await signIn(server, `  ${email.toUpperCase()} `, PASSWORD)
  assert.equal(result.ok, true)
  assert.deepEqual(result.errors, [])
  assert.match(result.result.token, /^[0-9a-f]{40}$/)
  assert.deepEqual(result.result.person, { id: personId, email })
  const me = await server.gql('{ me { roles person { id } } }', { token: result.result.token })
  assert.deepEqual(me.body.data.me, { roles: ['person'], person: { id: personId } })
})

const codeCases: { name: string; setup: () => Promise<{ email: string; password: string }>; code: string }[] = [
  { name: 'an unknown email', setup: async () => ({ email: randomEmail(), password: PASSWORD }), code: 'UNKNOWN_EMAIL' },
  { name: 'a wrong password', setup: async () => { const email = randomEmail(); await signUp(server, email); return { email, password: 'Wrong-Horse-42' } }, code: 'INVALID_PASSWORD' },
  { name: 'a person without a password', setup: async () => { const email = randomEmail(); await signUp(server, email, null); return { email, password: PASSWORD } }, code: 'NO_PASSWORD_SET' },
  {
    name: 'a disabled person with the right password',
    setup: async () => {
      const email = randomEmail()
      const id = await signUp(server, email)
      await server.gql('mutation ($id: String!) { disablePerson(personId: $id) { ok } }', { variables: { id } })
      return { email, password: PASSWORD }
    },
    code: 'PERSON_DISABLED',
  },
]

for (const c of codeCases) {
  test(`signIn: ${c.name} is ${c.code}, creates no session and repeats the error in errors`, async () => {
    const { email, password } = await c.setup()
    const before = await sessionCount(server)
    const result = await signIn(server, email, password)
    assert.equal(result.ok, false)
    assert.equal(result.error.code, c.code)
    assert.deepEqual(result.errors, [{ code: c.code }])
    assert.equal(result.result, null)
    assert.equal(await sessionCount(server), before)
  })
}

async function sessionCount(s: TestServer) {
  const { rows } = await s.app.deps.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM api_key WHERE type = 'session'`)
  return rows[0]!.n
}

test('signIn: with revealUserExists false, unknown email and wrong password are both INVALID_CREDENTIALS', async () => {
  const s = await startServer()
  assert.equal((await configure(s, { login: { revealUserExists: false } })).body.data.configure.ok, true)
  const email = randomEmail()
  await signUp(s, email)
  const wrong = await signIn(s, email, 'Wrong-Horse-42')
  const unknown = await signIn(s, randomEmail(), PASSWORD)
  assert.equal(wrong.error.code, 'INVALID_CREDENTIALS')
  assert.equal(unknown.error.code, 'INVALID_CREDENTIALS')
  assert.equal(wrong.error.developerMessage, unknown.error.developerMessage)
})

test('signIn: with revealLoginMethod false, a wrong password and a person without one are both INVALID_CREDENTIALS; an unknown email still says so', async () => {
  const s = await startServer()
  assert.equal((await configure(s, { login: { revealLoginMethod: false, baseBackoff: 'PT0S', maxBackoff: 'PT0S' } })).body.data.configure.ok, true)
  const withPassword = randomEmail()
  await signUp(s, withPassword)
  const withoutPassword = randomEmail()
  const made = await s.gql('mutation($email: String!) { signUp(email: $email) { ok } }', { variables: { email: withoutPassword } })
  assert.equal(made.body.data.signUp.ok, true)
  const wrong = await signIn(s, withPassword, 'Wrong-Horse-42')
  const none = await signIn(s, withoutPassword, 'Wrong-Horse-42')
  assert.equal(wrong.error.code, 'INVALID_CREDENTIALS')
  assert.equal(none.error.code, 'INVALID_CREDENTIALS')
  assert.equal(wrong.error.developerMessage, none.error.developerMessage)
  assert.equal((await signIn(s, randomEmail(), PASSWORD)).error.code, 'UNKNOWN_EMAIL')
  assert.equal((await signIn(s, withPassword, PASSWORD)).ok, true)
  const { body } = await s.gql('{ configuration { login { revealLoginMethod } } }')
  assert.equal(body.data.configuration.login.revealLoginMethod, false)
})

test('signIn: an unknown email costs about what a wrong password costs', async () => {
  const s = await startServer()
  // No back-off here: every attempt is measured, none refused early.
  assert.equal((await configure(s, { login: { baseBackoff: 'PT0S', maxBackoff: 'PT0S' } })).body.data.configure.ok, true)
  const email = randomEmail()
  await signUp(s, email)
  const time = async (attempt: () => Promise<unknown>) => {
    const start = process.hrtime.bigint()
    await attempt()
    return Number(process.hrtime.bigint() - start) / 1e6
  }
  const unknown: number[] = []
  const wrong: number[] = []
  for (let i = 0; i < 12; i++) {
    wrong.push(await time(() => signIn(s, email, `Wrong-${i}-Horse`)))
    unknown.push(await time(() => signIn(s, randomEmail(), `Wrong-${i}-Horse`)))
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const ratio = median(unknown) / median(wrong)
  // Both include a full argon2id verification (tens of ms); without the dummy check an unknown
  // email would answer in a fraction of that.
  assert.ok(ratio > 0.6 && ratio < 1.6, `unknown/wrong median time ratio ${ratio.toFixed(2)} (${median(unknown).toFixed(1)} ms vs ${median(wrong).toFixed(1)} ms)`)
})

test('signIn: failures back off per email (1 s, 2 s, 4 s ...) with RATE_LIMIT_EXCEEDED and retryAfter', async () => {
  const email = randomEmail()
  await signUp(server, email)
  assert.equal((await signIn(server, email, 'Wrong-Horse-1')).error.code, 'INVALID_PASSWORD')
  const limited = await signIn(server, email, PASSWORD)
  assert.equal(limited.error.code, 'RATE_LIMIT_EXCEEDED', 'even the right password waits')
  assert.equal(limited.error.retryAfter, 1)
  clock.advance(1000)
  assert.equal((await signIn(server, email, 'Wrong-Horse-2')).error.code, 'INVALID_PASSWORD')
  assert.equal((await signIn(server, email, PASSWORD)).error.retryAfter, 2)
  clock.advance(2000)
  assert.equal((await signIn(server, email, 'Wrong-Horse-3')).error.code, 'INVALID_PASSWORD')
  clock.advance(3000)
  assert.equal((await signIn(server, email, PASSWORD)).error.retryAfter, 1, '4 s after the third failure')
  clock.advance(1000)
  assert.equal((await signIn(server, email, PASSWORD)).ok, true)
  // Success clears the count: the next failure waits 1 s again.
  assert.equal((await signIn(server, email, 'Wrong-Horse-4')).error.code, 'INVALID_PASSWORD')
  assert.equal((await signIn(server, email, PASSWORD)).error.retryAfter, 1)
})

test('signIn: back-off is capped at maxBackoff and forgotten after attemptWindow', async () => {
  const email = randomEmail()
  await signUp(server, email)
  for (let i = 0; i < 8; i++) {
    assert.equal((await signIn(server, email, `Wrong-Horse-${i}`)).error.code, 'INVALID_PASSWORD')
    clock.advance(61_000)
  }
  clock.advance(-61_000)
  assert.equal((await signIn(server, email, PASSWORD)).error.retryAfter, 60)
  clock.advance(5 * 60_000)
  assert.equal((await signIn(server, email, PASSWORD)).ok, true)
})

test('signIn: unknown emails back off too, so the limit does not reveal who exists', async () => {
  const email = randomEmail()
  assert.equal((await signIn(server, email, PASSWORD)).error.code, 'UNKNOWN_EMAIL')
  assert.equal((await signIn(server, email, PASSWORD)).error.code, 'RATE_LIMIT_EXCEEDED')
  clock.advance(1000)
})

test('signIn: back-off is kept in the database and holds across a restart', async () => {
  const store = await persistentDb()
  const first = await startServer({ db: await store.reopen(), clock })
  const email = randomEmail()
  await signUp(first, email)
  for (const wait of [1000, 2000, 0]) {
    assert.equal((await signIn(first, email, 'Wrong-Horse')).error.code, 'INVALID_PASSWORD')
    clock.advance(wait)
  }
  await first.close()
  const second = await startServer({ db: await store.reopen(), clock, env: { CONTEMBER_ROOT_TOKEN: first.rootToken, CONTEMBER_LOGIN_TOKEN: first.loginToken } })
  const result = await signIn(second, email, PASSWORD)
  assert.equal(result.error.code, 'RATE_LIMIT_EXCEEDED')
  assert.equal(result.error.retryAfter, 4)
  clock.advance(4000)
  assert.equal((await signIn(second, email, PASSWORD)).ok, true)
})

test('signIn: the login token and the root token may sign in, a person session may not', async () => {
  const email = randomEmail()
  await signUp(server, email)
  const session = (await signIn(server, email, PASSWORD)).result.token
  const asRoot = await server.gql(`mutation { signIn(email: "${email}", password: "${PASSWORD}") { ok } }`)
  assert.equal(asRoot.body.data.signIn.ok, true)
  const asPerson = await server.gql(`mutation { signIn(email: "${email}", password: "${PASSWORD}") { ok } }`, { token: session })
  assert.equal(asPerson.body.data.signIn, null)
  assert.equal(asPerson.body.errors[0].extensions.code, 'ForbiddenError')
  assert.equal(asPerson.body.errors[0].message, 'You are not allowed to sign in')
})

test('signIn: an imported bcrypt hash signs in and is replaced by argon2id', async () => {
  const { default: bcrypt } = await import('bcryptjs')
  const email = randomEmail()
  const passwordHash = await bcrypt.hash(PASSWORD, 10)
  const { body } = await server.gql('mutation ($email: String!, $passwordHash: String) { signUp(email: $email, passwordHash: $passwordHash) { ok } }',
    { variables: { email, passwordHash } })
  assert.equal(body.data.signUp.ok, true)
  assert.equal((await signIn(server, email, PASSWORD)).ok, true)
  const { rows } = await server.app.deps.db.query<{ hash: string }>('SELECT password_hash AS hash FROM person WHERE email = $1', [email])
  assert.match(rows[0]!.hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
  assert.equal((await signIn(server, email, PASSWORD)).ok, true, 'the new hash verifies the same password')
})
