import assert from 'node:assert/strict'
import { createServer, type IncomingMessage } from 'node:http'
import { after, test } from 'node:test'
import { randomEmail } from '../helpers/fixtures.js'
import { startServer } from '../helpers/server.js'

// captcha: Turnstile, hCaptcha and reCAPTCHA v3 tokens checked against a fake verifier on
// loopback (accept, reject, a low score, an expired token, the verifier down), only on the
// operations `captcha.protect` names; the secret goes to the verifier and nowhere else.

const verifier = { answer: { success: true } as Record<string, unknown>, status: 200, requests: [] as { path: string; form: URLSearchParams }[] }
const fake = createServer((req: IncomingMessage, res) => {
  let raw = ''
  req.on('data', (d) => { raw += d })
  req.on('end', () => {
    verifier.requests.push({ path: req.url ?? '', form: new URLSearchParams(raw) })
    res.writeHead(verifier.status, { 'content-type': 'application/json' }).end(JSON.stringify(verifier.answer))
  })
})
await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve))
after(() => new Promise<void>((resolve) => { fake.close(() => resolve()); fake.closeAllConnections() }))
const base = `http://127.0.0.1:${(fake.address() as { port: number }).port}`

const server = await startServer({ env: { CAPTCHA_TURNSTILE_URL: `${base}/turnstile`, CAPTCHA_HCAPTCHA_URL: `${base}/hcaptcha`, CAPTCHA_RECAPTCHA_URL: `${base}/recaptcha` } })
const SECRET = 'fake-captcha-secret-0xC0FFEE'

const configure = async (captcha: unknown) =>
  (await server.gql('mutation($c: ConfigCaptchaInput) { configure(config: { captcha: $c }) { ok error { code developerMessage } } }', { variables: { c: captcha } })).body.data.configure
const signUp = async (captchaToken?: string) =>
  (await server.gql('mutation($e: String!, $t: String) { signUp(email: $e, captchaToken: $t) { ok error { code developerMessage } } }', { variables: { e: randomEmail(), t: captchaToken } })).body.data.signUp
const reset = async (captchaToken?: string) =>
  (await server.gql('mutation($e: String!, $t: String) { createResetPasswordRequest(email: $e, captchaToken: $t) { ok error { code developerMessage } } }', { token: server.loginToken, variables: { e: randomEmail(), t: captchaToken } })).body.data.createResetPasswordRequest

test('off by default: nothing is asked; configuration shows the defaults and never a secret', async () => {
  verifier.requests.length = 0
  assert.equal((await signUp()).ok, true)
  assert.equal(verifier.requests.length, 0)
  const { body } = await server.gql('{ configuration { captcha { provider threshold protect { signUp passwordReset passwordlessInit emailVerification } } } }')
  assert.deepEqual(body.data.configuration.captcha, { provider: null, threshold: null, protect: { signUp: true, passwordReset: true, passwordlessInit: true, emailVerification: false } })
  assert.equal((await configure({ provider: 'turnstile' })).error.code, 'INVALID_CONFIG', 'a provider needs a secret')
})

test('turnstile: a good token passes (secret, token and client address sent to the verifier); a missing, rejected or expired one is INVALID_CAPTCHA', async () => {
  assert.equal((await configure({ provider: 'turnstile', secret: SECRET })).ok, true)
  verifier.answer = { success: true }
  verifier.requests.length = 0
  assert.equal((await signUp('good-token')).ok, true)
  const sent = verifier.requests[0]!
  assert.equal(sent.path, '/turnstile')
  assert.deepEqual([sent.form.get('secret'), sent.form.get('response'), sent.form.get('remoteip')], [SECRET, 'good-token', '127.0.0.1'])
  assert.deepEqual((await signUp()).error, { code: 'INVALID_CAPTCHA', developerMessage: 'Captcha verification failed: invalid' })
  verifier.answer = { success: false, 'error-codes': ['invalid-input-response'] }
  assert.equal((await signUp('bad')).error.developerMessage, 'Captcha verification failed: invalid')
  verifier.answer = { success: false, 'error-codes': ['timeout-or-duplicate'] }
  assert.equal((await signUp('old')).error.developerMessage, 'Captcha verification failed: expired')
  assert.equal((await reset('old')).error.code, 'INVALID_CAPTCHA', 'password reset is protected by default')
})

test('the verifier down or erring fails closed (verify_error); protect flags choose the operations', async () => {
  await configure({ provider: 'hcaptcha', secret: SECRET })
  verifier.answer = { success: true }
  verifier.status = 500
  assert.equal((await signUp('t')).error.developerMessage, 'Captcha verification failed: verify_error')
  verifier.status = 200
  verifier.requests.length = 0
  assert.equal((await signUp('t')).ok, true)
  assert.equal(verifier.requests[0]!.path, '/hcaptcha')
  assert.equal((await configure({ protect: { signUp: false } })).ok, true)
  verifier.answer = { success: false }
  assert.equal((await signUp()).ok, true, 'sign-up no longer protected')
  assert.equal((await reset()).error.code, 'INVALID_CAPTCHA', 'password reset still is')
  const { body } = await server.gql('mutation($e: String!) { requestEmailVerification(email: $e) { ok } }', { token: server.loginToken, variables: { e: randomEmail() } })
  assert.equal(body.data.requestEmailVerification.ok, true, 'email verification is not protected by default')
  await configure({ protect: { signUp: true } })
})

test('reCAPTCHA v3: a score below the threshold (0.5, or the one set) is low_score', async () => {
  await configure({ provider: 'recaptchaV3', secret: SECRET })
  verifier.status = 200
  verifier.answer = { success: true, score: 0.4 }
  assert.equal((await signUp('t')).error.developerMessage, 'Captcha verification failed: low_score')
  verifier.answer = { success: true, score: 0.7 }
  assert.equal((await signUp('t')).ok, true)
  await configure({ threshold: 0.8 })
  assert.equal((await signUp('t')).error.developerMessage, 'Captcha verification failed: low_score')
})

test('the secret is stored sealed, logged as ***, kept when left out, removed by "" (which needs the provider off)', async () => {
  await configure({ provider: 'turnstile', secret: SECRET, threshold: null })
  const { rows } = await server.app.deps.db.query<{ value: unknown }>('SELECT value FROM tenant_config')
  assert.equal(JSON.stringify(rows).includes(SECRET), false)
  const { body } = await server.gql('{ authLog(filter: { types: ["tenant_config_change"] }, limit: 50) { entries { eventData } } }')
  assert.equal(JSON.stringify(body.data.authLog.entries).includes(SECRET), false)
  assert.match(JSON.stringify(body.data.authLog.entries), /\*\*\*/)
  verifier.answer = { success: true }
  verifier.requests.length = 0
  await configure({ protect: { passwordReset: true } })
  assert.equal((await signUp('t')).ok, true)
  assert.equal(verifier.requests[0]!.form.get('secret'), SECRET, 'kept when left out')
  assert.equal((await configure({ secret: '' })).error.code, 'INVALID_CONFIG')
  assert.equal((await configure({ provider: null, secret: '' })).ok, true)
  verifier.requests.length = 0
  assert.equal((await signUp()).ok, true)
  assert.equal(verifier.requests.length, 0)
})
