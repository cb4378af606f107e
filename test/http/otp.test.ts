import assert from 'node:assert/strict'
import { test } from 'node:test'
import { generate } from 'otplib'
import { manualClock } from '../../src/model/clock.js'
import { randomEmail } from '../helpers/fixtures.js'
import { startServer } from '../helpers/server.js'

const clock = manualClock(new Date('2026-06-01T12:00:00Z'))
const server = await startServer({ clock })

// A code computed here, as the person's authenticator app would, at the server's time.
const codeAt = (secret: string, offsetSeconds = 0) =>
  generate({ secret, epoch: Math.floor(clock.now().getTime() / 1000) + offsetSeconds })

async function personSession() {
  const email = randomEmail()
  await server.gql('mutation ($email: String!) { signUp(email: $email, password: "Otp-Person-42") { ok } }', { variables: { email } })
  const { body } = await server.gql('mutation ($email: String!) { signIn(email: $email, password: "Otp-Person-42") { result { token } } }',
    { token: server.loginToken, variables: { email } })
  return { email, token: body.data.signIn.result.token as string }
}

const prepare = async (token: string, label?: string) =>
  (await server.gql('mutation ($label: String) { prepareOtp(label: $label) { ok result { otpUri otpSecret } } }', { token, variables: { label } })).body.data.prepareOtp
const confirm = async (token: string, otpToken: string) =>
  (await server.gql('mutation ($t: String!) { confirmOtp(otpToken: $t) { ok errors { code } error { code developerMessage } } }', { token, variables: { t: otpToken } })).body.data.confirmOtp
const disable = async (token: string) =>
  (await server.gql('mutation { disableOtp { ok error { code developerMessage } } }', { token })).body.data.disableOtp
const signIn = async (email: string, otpToken?: string) =>
  (await server.gql('mutation ($email: String!, $otp: String) { signIn(email: $email, password: "Otp-Person-42", otpToken: $otp) { ok error { code developerMessage } } }',
    { token: server.loginToken, variables: { email, otp: otpToken } })).body.data.signIn
/** The "issuer:account" part of otpauth://totp/issuer:account?... */
const accountLabel = (uri: URL) => decodeURIComponent(uri.pathname.slice(1))
const otpEnabled = async (token: string) => (await server.gql('{ me { person { otpEnabled } } }', { token })).body.data.me.person.otpEnabled

test('otp: prepare, confirm with a computed code, then sign-in needs a code', async () => {
  const { email, token } = await personSession()
  const prepared = await prepare(token)
  assert.equal(prepared.ok, true)
  const { otpSecret, otpUri } = prepared.result
  assert.match(otpSecret, /^[A-Z2-7]{32}$/)
  const uri = new URL(otpUri)
  assert.equal(uri.protocol, 'otpauth:')
  assert.equal(uri.host, 'totp')
  assert.equal(accountLabel(uri), `tenant-api:${email}`)
  assert.equal(uri.searchParams.get('secret'), otpSecret)
  assert.equal(uri.searchParams.get('issuer'), 'tenant-api')
  assert.equal(await otpEnabled(token), false, 'prepared is not enabled yet')
  assert.equal((await signIn(email)).ok, true, 'sign-in needs no code before confirmation')

  const wrong = await confirm(token, '000000' === await codeAt(otpSecret) ? '111111' : '000000')
  assert.deepEqual(wrong.error, { code: 'INVALID_OTP_TOKEN', developerMessage: 'Provided token is not correct.' })
  assert.deepEqual((await confirm(token, await codeAt(otpSecret))).ok, true)
  assert.equal(await otpEnabled(token), true)

  clock.advance(30_000)
  assert.equal((await signIn(email)).error.code, 'OTP_REQUIRED')
  assert.equal((await signIn(email, '12345x')).error.code, 'INVALID_OTP_TOKEN')
  clock.advance(1_000)
  const code = await codeAt(otpSecret)
  assert.equal((await signIn(email, code)).ok, true)
  assert.equal((await signIn(email, code)).error.code, 'INVALID_OTP_TOKEN', 'a code is accepted once')
})

test('otp: the label names the issuer; the account is the email', async () => {
  const { email, token } = await personSession()
  const uri = new URL((await prepare(token, 'Acme Admin')).result.otpUri)
  assert.equal(uri.searchParams.get('issuer'), 'Acme Admin')
  assert.equal(accountLabel(uri), `Acme Admin:${email}`)
})

test('otp: a code from the neighbouring 30 s step is accepted, two steps away it is not', async () => {
  const { email, token } = await personSession()
  const { otpSecret } = (await prepare(token)).result
  assert.equal((await confirm(token, await codeAt(otpSecret))).ok, true)
  clock.advance(60_000)
  assert.equal((await signIn(email, await codeAt(otpSecret, -30))).ok, true)
  clock.advance(60_000)
  assert.equal((await signIn(email, await codeAt(otpSecret, -90))).error.code, 'INVALID_OTP_TOKEN')
  clock.advance(60_000)
})

test('otp: the secret is stored encrypted, never in plain text', async () => {
  const { email, token } = await personSession()
  const { otpSecret } = (await prepare(token)).result
  const { rows } = await server.app.deps.db.query<{ sealed: string }>('SELECT otp_pending_secret_encrypted AS sealed FROM person WHERE email = $1', [email])
  assert.match(rows[0]!.sealed, /^v1\.[0-9a-f]{8}\./)
  assert.ok(!rows[0]!.sealed.includes(otpSecret))
  // Moved to another person's row, it does not decrypt (the person id is bound into it).
  const other = await personSession()
  await server.app.deps.db.query('UPDATE person SET otp_pending_secret_encrypted = $1 WHERE email = $2', [rows[0]!.sealed, other.email])
  assert.throws(() => server.app.deps.secrets.decrypt(rows[0]!.sealed, 'otp:someone-else'))
})

test('otp: disableOtp turns it off; again is OTP_NOT_ACTIVE; confirm without prepare is NOT_PREPARED', async () => {
  const { email, token } = await personSession()
  assert.deepEqual((await confirm(token, '123456')).error, { code: 'NOT_PREPARED', developerMessage: 'OTP setup was not initialized. Call prepareOtp first.' })
  assert.deepEqual((await disable(token)).error, { code: 'OTP_NOT_ACTIVE', developerMessage: 'OTP is not active, you cannot disable it.' })
  const { otpSecret } = (await prepare(token)).result
  assert.equal((await confirm(token, await codeAt(otpSecret))).ok, true)
  assert.deepEqual(await disable(token), { ok: true, error: null })
  assert.equal(await otpEnabled(token), false)
  clock.advance(30_000)
  assert.equal((await signIn(email)).ok, true)
  assert.equal((await disable(token)).error.code, 'OTP_NOT_ACTIVE')
  assert.equal((await confirm(token, await codeAt(otpSecret))).error.code, 'NOT_PREPARED')
})

test('otp: preparing again while active keeps the old secret in force until the new one is confirmed', async () => {
  const { email, token } = await personSession()
  const first = (await prepare(token)).result.otpSecret
  assert.equal((await confirm(token, await codeAt(first))).ok, true)
  const second = (await prepare(token)).result.otpSecret
  assert.notEqual(first, second)
  assert.equal(await otpEnabled(token), true)
  clock.advance(30_000)
  assert.equal((await signIn(email)).error.code, 'OTP_REQUIRED')
  assert.equal((await signIn(email, await codeAt(first))).ok, true, 'the old secret still signs in')
  assert.equal((await confirm(token, await codeAt(first))).error.code, 'INVALID_OTP_TOKEN')
  clock.advance(30_000)
  assert.equal((await confirm(token, await codeAt(second))).ok, true)
  clock.advance(30_000)
  assert.equal((await signIn(email, await codeAt(first))).error.code, 'INVALID_OTP_TOKEN', 'the old secret is gone')
  clock.advance(2_000) // past the back-off of that failure
  assert.equal((await signIn(email, await codeAt(second))).ok, true)
})

test('otp: identities without a person may not set it up (ForbiddenError)', async () => {
  for (const token of [server.loginToken, server.rootToken]) {
    for (const query of ['mutation { prepareOtp { ok } }', 'mutation { confirmOtp(otpToken: "123456") { ok } }', 'mutation { disableOtp { ok } }']) {
      const { body } = await server.gql(query, { token })
      assert.equal(body.errors[0].extensions.code, 'ForbiddenError')
      assert.equal(body.errors[0].message, 'You are not allowed to setup a OTP')
    }
  }
})

test('otp: the code that confirmed enrolment signs in once right after (confirming is no sign-in); replays are still refused', async () => {
  const { email, token } = await personSession()
  const { otpSecret } = (await prepare(token)).result
  clock.advance(30_000)
  const code = await codeAt(otpSecret)
  assert.equal((await confirm(token, code)).ok, true)
  assert.equal((await signIn(email, code)).ok, true, 'the code on screen signs in')
  assert.equal((await signIn(email, code)).error.code, 'INVALID_OTP_TOKEN', 'but only once')
})
