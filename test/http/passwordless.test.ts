import assert from 'node:assert/strict'
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { generate } from 'otplib'
import { manualClock } from '../../src/model/clock.js'
import { randomEmail } from '../helpers/fixtures.js'
import { payload, signInPerson, signUpPerson } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'
import { startSmtpSink, type ReceivedMail } from '../helpers/smtp.js'

// initSignInPasswordless, signInPasswordless (mailed token, or a code set with
// activatePasswordlessOtp), enable/disableMyPasswordless: the mail and its link (through a real
// SMTP server), the policies, expiry on a manual clock, TOTP on top, and every error code.

const clock = manualClock()
const smtp = await startSmtpSink()
const server = await startServer({ env: { ...smtp.env, MAIL_POLL_INTERVAL_MS: '100' }, clock })

const ERROR = 'error { code developerMessage }'
const CONFIGURE = `mutation($config: ConfigInput!) { configure(config: $config) { ok ${ERROR} } }`
const CONFIGURATION = '{ configuration { passwordless { enabled url expiration expirationMinutes } login { revealUserExists } } }'
const INIT = `mutation($email: String!, $options: InitSignInPasswordlessOptions) {
  initSignInPasswordless(email: $email, options: $options) { ok ${ERROR} result { requestId expiresAt } } }`
const SIGN_IN = `mutation($requestId: String!, $type: PasswordlessValidationType!, $token: String!, $expiration: Int, $mfaOtp: String) {
  signInPasswordless(requestId: $requestId, validationType: $type, token: $token, expiration: $expiration, mfaOtp: $mfaOtp) {
    ok ${ERROR} result { token person { id email emailVerified } } } }`
const ACTIVATE = `mutation($requestId: String!, $token: String!, $otpHash: String!) {
  activatePasswordlessOtp(requestId: $requestId, token: $token, otpHash: $otpHash) { ok ${ERROR} } }`
const ENABLE = `mutation { enableMyPasswordless { ok ${ERROR} } }`
const DISABLE = `mutation { disableMyPasswordless { ok ${ERROR} } }`
const PERSON = 'query($id: String!) { personById(id: $id) { email passwordlessEnabled emailVerified } }'

const URL_PAGE = 'https://app.example.com/pl?x=1'
const sha256hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))
const mailsTo = (email: string) => smtp.mails.filter((m) => m.to.includes(email))

async function configure(config: Record<string, unknown>) {
  const r = await payload(server, CONFIGURE, { config })
  assert.deepEqual(r, { ok: true, error: null }, JSON.stringify(config))
}
const policy = (enabled: string, extra: Record<string, unknown> = {}) =>
  configure({ passwordless: { enabled, url: URL_PAGE, expiration: 'PT10M', ...extra } })

const init = (email: string) => payload(server, INIT, { email }, server.loginToken)
const signIn = (requestId: string, token: string, type = 'token', extra: { mfaOtp?: string; expiration?: number } = {}) =>
  payload(server, SIGN_IN, { requestId, token, type, ...extra }, server.loginToken)
const activate = (requestId: string, token: string, otpHash: string) => payload(server, ACTIVATE, { requestId, token, otpHash }, server.loginToken)
const personById = async (id: string) => (await server.gql(PERSON, { variables: { id } })).body.data.personById
const code = async (query: string, token?: string) => {
  const r = await payload(server, query, {}, token)
  return r.ok ? 'ok' : r.error.code
}

/** Undoes mustache's HTML escaping ("/" is &#x2F;, "=" is &#x3D;). */
const unescapeHtml = (html: string) => html
  .replace(/&#x2F;/g, '/').replace(/&#x3D;/g, '=').replace(/&#x60;/g, '`').replace(/&#39;/g, '\'')
  .replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')

/** The sign-in link of a mail (the href of its button), decoded. */
function linkOf(mail: ReceivedMail): URL {
  const href = /<a href="([^"]+)"/.exec(mail.html)?.[1]
  assert.ok(href, mail.html)
  return new URL(unescapeHtml(href))
}

/** initSignInPasswordless (ok expected) and the mail it sent: its token (from the link, or the code block) and the request id. */
async function requestLink(email: string) {
  const before = mailsTo(email).length
  const r = await init(email)
  assert.equal(r.ok, true, JSON.stringify(r))
  await smtp.waitFor(() => mailsTo(email).length > before)
  const mail = mailsTo(email)[before]!
  const link = /<a href=/.test(mail.html) ? linkOf(mail) : null
  const token = link ? link.searchParams.get('token') : /\b([0-9a-f]{40})\b/.exec(mail.html)?.[1]
  assert.ok(token, mail.html)
  return { mail, link, token, requestId: r.result.requestId as string, expiresAt: r.result.expiresAt as string }
}

/** Proves no mail went to `email` since `before` (the sender polls every 100 ms). */
async function noMailSince(email: string, before: number) {
  await pause(400)
  assert.equal(mailsTo(email).length, before, `no mail to ${email}`)
}

test('initSignInPasswordless: the mailed link is the configured url with token, request_id and email; it signs in once and verifies the email', async () => {
  await policy('always')
  const person = await signUpPerson(server)
  assert.deepEqual(await personById(person.personId), { email: person.email, passwordlessEnabled: null, emailVerified: false })

  const at = clock.now().getTime()
  const { mail, link, token, requestId, expiresAt } = await requestLink(person.email)
  assert.match(requestId, /^[0-9a-f-]{36}$/)
  assert.equal(new Date(expiresAt).getTime(), at + 10 * 60_000)
  assert.equal(mail.subject, 'Your sign-in link')
  assert.equal(mail.from, 'tenant@example.com')
  assert.equal(`${link!.origin}${link!.pathname}`, 'https://app.example.com/pl')
  assert.equal(link!.searchParams.get('x'), '1', 'the page\'s own parameter is kept')
  assert.match(token!, /^[0-9a-f]{40}$/)
  assert.equal(link!.searchParams.get('request_id'), requestId)
  assert.equal(link!.searchParams.get('email'), person.email)
  assert.match(mail.text, /https:\/\/app\.example\.com\/pl\?x=1&token=/, 'the text part shows the address too')

  const r = await signIn(requestId, token!)
  assert.equal(r.ok, true, JSON.stringify(r))
  assert.deepEqual(r.result.person, { id: person.personId, email: person.email, emailVerified: true })
  const me = await server.gql('{ me { id person { id emailVerified } } }', { token: r.result.token })
  assert.equal(me.status, 200)
  assert.equal(me.body.data.me.id, person.identityId)
  assert.deepEqual(me.body.data.me.person, { id: person.personId, emailVerified: true })
  assert.equal((await personById(person.personId)).emailVerified, true)

  const again = await signIn(requestId, token!)
  assert.equal(again.ok, false)
  assert.equal(again.error.code, 'TOKEN_USED')
  assert.equal(again.result, null)
})

test('signInPasswordless: three sign-ins with one link at once make one session; `expiration` sets its length in minutes', async () => {
  await policy('always')
  const person = await signUpPerson(server)
  const { token, requestId } = await requestLink(person.email)
  const answers = await Promise.all([1, 2, 3].map(() => signIn(requestId, token!, 'token', { expiration: 5 })))
  assert.equal(answers.filter((a) => a.ok).length, 1, JSON.stringify(answers))
  assert.ok(answers.filter((a) => !a.ok).every((a) => a.error.code === 'TOKEN_USED'), JSON.stringify(answers))
  const session = answers.find((a) => a.ok).result.token
  const other = await requestLink(person.email)
  const long = (await signIn(other.requestId, other.token!)).result.token
  clock.advance(5 * 60_000 + 1_000)
  assert.equal((await server.gql('{ me { id } }', { token: session })).status, 401, 'the 5-minute session ended')
  assert.equal((await server.gql('{ me { id } }', { token: long })).status, 200, 'the default one (30 minutes) did not')
})

test('configure passwordless: expirationMinutes (2.0.8) sets expiration; without a url the mail carries the token alone', async () => {
  await configure({ passwordless: { enabled: 'always', url: null, expirationMinutes: 7 } })
  const { body } = await server.gql(CONFIGURATION)
  assert.deepEqual(body.data.configuration.passwordless, { enabled: 'always', url: null, expiration: 'PT7M', expirationMinutes: 7 })
  const person = await signUpPerson(server)
  const at = clock.now().getTime()
  const { mail, link, token, requestId, expiresAt } = await requestLink(person.email)
  assert.equal(new Date(expiresAt).getTime(), at + 7 * 60_000)
  assert.equal(link, null, mail.html)
  assert.equal((await signIn(requestId, token!)).ok, true)

  // expiration wins over expirationMinutes when both are given.
  await configure({ passwordless: { expiration: 'PT3M', expirationMinutes: 9, url: URL_PAGE } })
  assert.deepEqual((await server.gql(CONFIGURATION)).body.data.configuration.passwordless,
    { enabled: 'always', url: URL_PAGE, expiration: 'PT3M', expirationMinutes: 3 })
})

test('signInPasswordless: TOKEN_NOT_FOUND for unknown or malformed request ids, TOKEN_INVALID for a wrong token (the right one still works)', async () => {
  await policy('always')
  const person = await signUpPerson(server)
  const { token, requestId } = await requestLink(person.email)
  for (const id of [randomUUID(), 'not-a-uuid', '', `${requestId}x`]) {
    assert.equal((await signIn(id, token!)).error.code, 'TOKEN_NOT_FOUND', id)
  }
  const wrong = await signIn(requestId, randomBytes(20).toString('hex'))
  assert.equal(wrong.error.code, 'TOKEN_INVALID')
  assert.equal(wrong.result, null)
  assert.equal((await signIn(requestId, token!)).ok, true)
})

test('signInPasswordless: works until the expiration, TOKEN_EXPIRED from then on (manual clock)', async () => {
  await policy('always')
  const person = await signUpPerson(server)
  const first = await requestLink(person.email)
  const second = await requestLink(person.email)
  clock.advance(10 * 60_000 - 1_000)
  assert.equal((await signIn(first.requestId, first.token!)).ok, true)
  clock.advance(1_000)
  assert.equal((await signIn(second.requestId, second.token!)).error.code, 'TOKEN_EXPIRED')
  assert.equal((await activate(second.requestId, second.token!, sha256hex('1234'))).error.code, 'TOKEN_EXPIRED')
})

test('activatePasswordlessOtp: the code signs in (validationType otp) once; the exchanged token is TOKEN_INVALID', async () => {
  await policy('always')
  const person = await signUpPerson(server)
  const { token, requestId } = await requestLink(person.email)
  assert.equal((await signIn(requestId, '123456', 'otp')).error.code, 'TOKEN_INVALID', 'no code set yet')
  assert.deepEqual(await activate(requestId, token!, sha256hex('482913').toUpperCase()), { ok: true, error: null })
  assert.equal((await signIn(requestId, token!)).error.code, 'TOKEN_INVALID', 'the long token was exchanged')
  assert.equal((await activate(requestId, token!, sha256hex('000000'))).error.code, 'TOKEN_INVALID', 'and cannot be exchanged again')
  assert.equal((await signIn(requestId, '482914', 'otp')).error.code, 'TOKEN_INVALID')
  const r = await signIn(requestId, '482913', 'otp')
  assert.equal(r.ok, true, JSON.stringify(r))
  assert.equal((await server.gql('{ me { person { id } } }', { token: r.result.token })).body.data.me.person.id, person.personId)
  assert.equal((await signIn(requestId, '482913', 'otp')).error.code, 'TOKEN_USED')
})

test('signInPasswordless with a code: 3 wrong codes spend the request, the 4th try is TOKEN_EXPIRED even with the right code', async () => {
  await policy('always')
  const person = await signUpPerson(server)
  const { token, requestId } = await requestLink(person.email)
  assert.equal((await activate(requestId, token!, sha256hex('7777'))).ok, true)
  for (const wrong of ['0000', '1111', '2222']) assert.equal((await signIn(requestId, wrong, 'otp')).error.code, 'TOKEN_INVALID')
  assert.equal((await signIn(requestId, '7777', 'otp')).error.code, 'TOKEN_EXPIRED')
})

test('signInPasswordless with a code: 30 wrong codes at once still get only 3 tries', async () => {
  await policy('always')
  const person = await signUpPerson(server)
  // A few rounds, since a race shows only now and then.
  const tried: number[] = []
  for (let round = 0; round < 4; round++) {
    const { token, requestId } = await requestLink(person.email)
    assert.equal((await activate(requestId, token!, sha256hex('999999'))).ok, true)
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => signIn(requestId, String(100000 + i), 'otp')))
    assert.ok(answers.every((a) => ['TOKEN_INVALID', 'TOKEN_EXPIRED'].includes(a.error.code)), JSON.stringify(answers))
    tried.push(answers.filter((a) => a.error.code === 'TOKEN_INVALID').length)
    assert.equal((await signIn(requestId, '999999', 'otp')).error.code, 'TOKEN_EXPIRED')
  }
  // Each try is reserved in one statement before its code is compared (a check-then-write let 4
  // to 12 of 30 concurrent guesses through on PostgreSQL).
  assert.deepEqual(tried, [3, 3, 3, 3], 'wrong codes compared per round')
})

test('activatePasswordlessOtp: TOKEN_NOT_FOUND, TOKEN_INVALID, TOKEN_USED; an otpHash that is no sha256 is refused', async () => {
  await policy('always')
  const person = await signUpPerson(server)
  const { token, requestId } = await requestLink(person.email)
  const hash = sha256hex('5555')
  assert.equal((await activate(randomUUID(), token!, hash)).error.code, 'TOKEN_NOT_FOUND')
  assert.equal((await activate('nope', token!, hash)).error.code, 'TOKEN_NOT_FOUND')
  assert.equal((await activate(requestId, randomBytes(20).toString('hex'), hash)).error.code, 'TOKEN_INVALID')
  const { body } = await server.gql(ACTIVATE, { token: server.loginToken, variables: { requestId, token, otpHash: 'abc' } })
  assert.match(body.errors?.[0]?.message ?? '', /otpHash must be the sha256/)
  assert.equal((await signIn(requestId, token!)).ok, true, 'the rejected calls changed nothing')
  assert.equal((await activate(requestId, token!, hash)).error.code, 'TOKEN_USED')
})

test('signInPasswordless: PERSON_DISABLED once disablePerson ran; a disabled person gets no new link (PASSWORDLESS_DISABLED)', async () => {
  await policy('always')
  const person = await signUpPerson(server)
  const { token, requestId } = await requestLink(person.email)
  assert.equal((await payload(server, 'mutation($id: String!) { disablePerson(personId: $id) { ok } }', { id: person.personId })).ok, true)
  const r = await signIn(requestId, token!)
  assert.equal(r.error.code, 'PERSON_DISABLED')
  const before = mailsTo(person.email).length
  assert.equal((await init(person.email)).error.code, 'PASSWORDLESS_DISABLED')
  await noMailSince(person.email, before)
})

test('signInPasswordless for a person with TOTP: OTP_REQUIRED, INVALID_OTP_TOKEN, then the right mfaOtp signs in with the same link', async () => {
  await policy('always')
  const person = await signUpPerson(server)
  const session = await signInPerson(server, person)
  const prepared = (await server.gql('mutation { prepareOtp { result { otpSecret } } }', { token: session })).body.data.prepareOtp
  const secret = prepared.result.otpSecret as string
  const codeNow = () => generate({ secret, epoch: Math.floor(clock.now().getTime() / 1000) })
  assert.equal((await payload(server, 'mutation($t: String!) { confirmOtp(otpToken: $t) { ok } }', { t: await codeNow() }, session)).ok, true)
  clock.advance(30_000) // the confirmation spent this step's code

  const { token, requestId } = await requestLink(person.email)
  assert.equal((await signIn(requestId, token!)).error.code, 'OTP_REQUIRED')
  const right = await codeNow()
  assert.equal((await signIn(requestId, token!, 'token', { mfaOtp: right === '000000' ? '111111' : '000000' })).error.code, 'INVALID_OTP_TOKEN')
  // A wrong code counts toward the sign-in back-off (1 s after one failure), as in signIn.
  clock.advance(1_000)
  const r = await signIn(requestId, token!, 'token', { mfaOtp: await codeNow() })
  assert.equal(r.ok, true, JSON.stringify(r))
  assert.equal((await server.gql('{ me { id } }', { token: r.result.token })).status, 200)
})

test('initSignInPasswordless: PASSWORDLESS_DISABLED under never, and mails nothing', async () => {
  await policy('never')
  const person = await signUpPerson(server)
  const before = mailsTo(person.email).length
  const r = await init(person.email)
  assert.equal(r.error.code, 'PASSWORDLESS_DISABLED')
  assert.equal(r.result, null)
  await noMailSince(person.email, before)
})

test('optIn: PASSWORDLESS_DISABLED until enableMyPasswordless; disableMyPasswordless turns it off again', async () => {
  await policy('optIn')
  const person = await signUpPerson(server)
  const session = await signInPerson(server, person)
  assert.equal((await init(person.email)).error.code, 'PASSWORDLESS_DISABLED')
  assert.equal(await code(ENABLE, session), 'ok')
  assert.equal((await personById(person.personId)).passwordlessEnabled, true)
  const { token, requestId } = await requestLink(person.email)
  assert.equal((await signIn(requestId, token!)).ok, true)
  assert.equal(await code(DISABLE, session), 'ok')
  assert.equal((await server.gql('{ me { person { passwordlessEnabled } } }', { token: session })).body.data.me.person.passwordlessEnabled, false)
  assert.equal((await init(person.email)).error.code, 'PASSWORDLESS_DISABLED')
})

test('optOut: everyone until disableMyPasswordless; then PASSWORDLESS_DISABLED, and a link mailed before is TOKEN_INVALID', async () => {
  await policy('optOut')
  const person = await signUpPerson(server)
  const session = await signInPerson(server, person)
  const { token, requestId } = await requestLink(person.email)
  assert.equal(await code(DISABLE, session), 'ok')
  assert.equal((await personById(person.personId)).passwordlessEnabled, false)
  const before = mailsTo(person.email).length
  assert.equal((await init(person.email)).error.code, 'PASSWORDLESS_DISABLED')
  await noMailSince(person.email, before)
  assert.equal((await signIn(requestId, token!)).error.code, 'TOKEN_INVALID')
  assert.equal(await code(ENABLE, session), 'ok')
  assert.equal((await signIn(requestId, token!)).ok, true, 'the refused try did not spend the link')
})

test('enable/disableMyPasswordless: CANNOT_TOGGLE under always and never (the choice stays); NOT_A_PERSON for API keys and the root token', async () => {
  const person = await signUpPerson(server)
  const session = await signInPerson(server, person)
  for (const enabled of ['always', 'never']) {
    await policy(enabled)
    assert.equal(await code(ENABLE, session), 'CANNOT_TOGGLE', enabled)
    assert.equal(await code(DISABLE, session), 'CANNOT_TOGGLE', enabled)
    assert.equal((await personById(person.personId)).passwordlessEnabled, null)
  }
  await policy('optIn')
  const key = await payload(server, 'mutation { createGlobalApiKey(description: "pl", roles: []) { ok result { apiKey { token } } } }')
  assert.equal(key.ok, true)
  for (const token of [key.result.apiKey.token, server.rootToken]) {
    assert.equal(await code(ENABLE, token), 'NOT_A_PERSON')
    assert.equal(await code(DISABLE, token), 'NOT_A_PERSON')
  }
})

test('initSignInPasswordless for an unknown email: PERSON_NOT_FOUND while revealUserExists is on; else answered as a mailed person is, with a request id that leads nowhere', async () => {
  await policy('always')
  const email = randomEmail()
  const found = await init(email)
  assert.deepEqual(found.error, { code: 'PERSON_NOT_FOUND', developerMessage: `Person ${email} not found` })
  await configure({ login: { revealUserExists: false } })
  try {
    const known = await signUpPerson(server)
    const shapes = [await init(email), await init(known.email)].map((r) => [r.ok, r.error, typeof r.result?.requestId, typeof r.result?.expiresAt])
    assert.deepEqual(shapes[0], shapes[1], 'an unknown and a known email answer alike')
    const fake = await init(email)
    assert.equal((await signIn(fake.result.requestId, 'a'.repeat(40))).error.code, 'TOKEN_NOT_FOUND')
    await smtp.waitFor(() => mailsTo(known.email).length === 1)
    assert.equal(mailsTo(email).length, 0, 'nothing mailed to an unknown address')
    // A person who may not use it (opted out) answers the same; only the global switch says no.
    await policy('optIn')
    assert.equal((await init(known.email)).ok, true)
    await policy('never')
    assert.equal((await init(known.email)).error.code, 'PASSWORDLESS_DISABLED')
    assert.equal((await init(email)).error.code, 'PASSWORDLESS_DISABLED')
  } finally {
    await configure({ login: { revealUserExists: true } })
  }
  assert.equal((await server.gql(CONFIGURATION)).body.data.configuration.login.revealUserExists, true)
})

test('initSignInPasswordless: RATE_LIMIT_EXCEEDED on the 6th request for one email within 15 minutes (no 6th mail); other emails are not held', async () => {
  await policy('always')
  const person = await signUpPerson(server)
  for (let i = 0; i < 5; i++) assert.equal((await init(person.email.toUpperCase())).ok, true, `request ${i + 1}`)
  await smtp.waitFor(() => mailsTo(person.email).length === 5)
  const sixth = await init(person.email)
  assert.equal(sixth.error.code, 'RATE_LIMIT_EXCEEDED')
  assert.equal(sixth.result, null)
  await noMailSince(person.email, 5)
  assert.equal((await init((await signUpPerson(server)).email)).ok, true, 'another email')
  clock.advance(15 * 60_000)
  assert.equal((await init(person.email)).ok, true, 'a new window')
})
