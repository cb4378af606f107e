import assert from 'node:assert/strict'
import { test } from 'node:test'
import { generate } from 'otplib'
import { manualClock } from '../../src/model/clock.js'
import { payload, signInPerson, signUpPerson, type SignedUpPerson } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'
import { startSmtpSink, type ReceivedMail } from '../helpers/smtp.js'

// The second factors beside TOTP, over HTTP with mail through a real SMTP server and time on a
// manual clock: backup codes (handed out by confirmOtp and confirmEmailOtp, one use each, typed
// loosely, spent ones and old sets refused, a mail when the last is used, regenerateBackupCodes),
// email OTP (initEmailOtp / confirmEmailOtp / disableEmailOtp, and sign-in with the mailed code:
// once, 10 minutes, newest only, 3 tries, a per-person mail limit), both on signIn and
// signInPasswordless, the backup codes going with the last factor, resetPersonMfa and who may
// call it, and the auth log: each step recorded, no code or password in it.

const clock = manualClock()
const smtp = await startSmtpSink()
const server = await startServer({ env: { ...smtp.env, MAIL_POLL_INTERVAL_MS: '50' }, clock })

const ERROR = 'error { code developerMessage }'
const CONFIGURE = `mutation($config: ConfigInput!) { configure(config: $config) { ok ${ERROR} } }`
async function configure(config: Record<string, unknown>) {
  assert.deepEqual(await payload(server, CONFIGURE, { config }), { ok: true, error: null }, JSON.stringify(config))
}
// Wrong codes count towards the sign-in back-off like wrong passwords; most tests here try
// several in a row (one test turns the back-off on to prove they count).
await configure({ login: { baseBackoff: 'PT0S', maxBackoff: 'PT0S' } })

/** Every backup code, mailed code and password this file saw: none may reach the auth log. */
const secrets = { backupCodes: new Set<string>(), mailedCodes: new Set<string>(), passwords: new Set<string>() }

const BACKUP_CODE = /^[a-km-np-z2-9]{5}-[a-km-np-z2-9]{5}$/
const VERIFICATION = 'Your verification code'
const EXHAUSTED = 'You have no backup codes left'

const SIGN_IN = `mutation($email: String!, $password: String!, $otpToken: String, $backupCode: String) {
  signIn(email: $email, password: $password, otpToken: $otpToken, backupCode: $backupCode) { ok ${ERROR} result { token } } }`
const signIn = (person: SignedUpPerson, second: { otpToken?: string; backupCode?: string } = {}) =>
  payload(server, SIGN_IN, { email: person.email, password: person.password, ...second }, server.loginToken)
/** "ok" or the error code of signIn. */
const signInAnswer = async (person: SignedUpPerson, second: { otpToken?: string; backupCode?: string } = {}) => {
  const r = await signIn(person, second)
  return r.ok ? 'ok' : r.error.code as string
}

const factors = async (token: string) => (await payload(server, '{ me { person { otpEnabled emailOtpEnabled } } }', {}, token)).person
const regenerate = (token: string) => payload(server, `mutation { regenerateBackupCodes { ok ${ERROR} result { backupCodes } } }`, {}, token)
const initEmailOtp = (token: string) => payload(server, `mutation { initEmailOtp { ok ${ERROR} } }`, {}, token)
const confirmEmailOtp = (token: string, otpToken: string) =>
  payload(server, `mutation($t: String!) { confirmEmailOtp(otpToken: $t) { ok ${ERROR} result { backupCodes } } }`, { t: otpToken }, token)
const DISABLE_EMAIL_OTP = `mutation($password: String, $otpToken: String) { disableEmailOtp(password: $password, otpToken: $otpToken) { ok ${ERROR} } }`
const RESET = `mutation($id: String!) { resetPersonMfa(personId: $id) { ok ${ERROR} } }`

/** The GraphQL error code of a call refused as a whole (ForbiddenError), with its message. */
async function refusal(query: string, variables: Record<string, unknown>, token: string) {
  const { status, body } = await server.gql(query, { token, variables })
  assert.equal(status, 200)
  assert.ok(body.errors?.length, `expected an error: ${JSON.stringify(body)}`)
  return { code: body.errors[0].extensions.code as string, message: body.errors[0].message as string }
}

const LOG = `query($filter: AuthLogFilter, $limit: Int, $offset: Int) { authLog(filter: $filter, limit: $limit, offset: $offset) {
  entries { type success personId targetPersonId invokedByIdentityId personInputIdentifier errorCode errorMessage metadata eventData } hasMore } }`
const logOf = async (personId: string) => (await payload(server, LOG, { filter: { personId }, limit: 200 })).entries as any[]
const typesOf = async (personId: string) => (await logOf(personId)).map((e) => `${e.type}:${e.success}`)

const mailsTo = (email: string, subject: string) => smtp.mails.filter((m) => m.to.includes(email) && m.subject === subject)
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
/** Mail goes out after commit, on the sender's next poll (50 ms): waits long enough for any that is coming. */
const settle = () => pause(300)

/** The six-digit code of the nth EMAIL_OTP mail (1-based) to `email`, waiting for it. */
async function mailedCode(email: string, nth: number): Promise<string> {
  await smtp.waitFor(() => mailsTo(email, VERIFICATION).length >= nth)
  const mail = mailsTo(email, VERIFICATION)[nth - 1]!
  const code = /\b(\d{6})\b/.exec(mail.text)?.[1]
  assert.ok(code, mail.text)
  secrets.mailedCodes.add(code)
  return code
}
/** A six-digit code that is not `right`. */
const wrongCode = (right: string, n = 0) => ['000000', '111111', '222222', '333333', '444444'].filter((c) => c !== right)[n]!

function keepBackupCodes(codes: string[]) {
  for (const code of codes) secrets.backupCodes.add(code)
  return codes
}

/** A person signed up and in (a fresh session, so it counts as a recent sign-in). */
async function person(roles?: string[]) {
  const signedUp = await signUpPerson(server, roles ? { roles } : {})
  secrets.passwords.add(signedUp.password!)
  return { ...signedUp, token: await signInPerson(server, signedUp) }
}

/** TOTP code at the server's time, as the person's app computes it. */
const totpAt = (secret: string, offsetSeconds = 0) => generate({ secret, epoch: Math.floor(clock.now().getTime() / 1000) + offsetSeconds })

/** A person with TOTP on: its secret and the backup codes confirmOtp returned. */
async function totpPerson(roles?: string[]) {
  const p = await person(roles)
  const prepared = await payload(server, 'mutation { prepareOtp { ok result { otpSecret } } }', {}, p.token)
  const secret = prepared.result.otpSecret as string
  const confirmed = await payload(server, `mutation($t: String!) { confirmOtp(otpToken: $t) { ok ${ERROR} result { backupCodes } } }`, { t: await totpAt(secret) }, p.token)
  assert.equal(confirmed.ok, true, JSON.stringify(confirmed))
  return { ...p, secret, backupCodes: keepBackupCodes(confirmed.result.backupCodes) }
}

/** A person with email OTP on (initEmailOtp, the mailed code to confirmEmailOtp): its backup codes. */
async function emailOtpPerson(base?: Awaited<ReturnType<typeof person>>) {
  const p = base ?? await person()
  const before = mailsTo(p.email, VERIFICATION).length
  assert.deepEqual(await initEmailOtp(p.token), { ok: true, error: null })
  const code = await mailedCode(p.email, before + 1)
  const confirmed = await confirmEmailOtp(p.token, code)
  assert.equal(confirmed.ok, true, JSON.stringify(confirmed))
  return { ...p, backupCodes: keepBackupCodes(confirmed.result.backupCodes) }
}

/** How many unused backup codes the database holds for the person (no operation shows it). */
async function storedBackupCodes(personId: string): Promise<number> {
  const { rows } = await server.app.deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM person_backup_code WHERE person_id = $1 AND used_at IS NULL', [personId])
  return rows[0]!.n
}

// --- passwordless, as in passwordless.test.ts: the link's token is read from the mail ---

const PASSWORDLESS_SIGN_IN = `mutation($requestId: String!, $token: String!, $mfaOtp: String, $backupCode: String) {
  signInPasswordless(requestId: $requestId, validationType: token, token: $token, mfaOtp: $mfaOtp, backupCode: $backupCode) { ok ${ERROR} result { token } } }`
const unescapeHtml = (html: string) => html.replace(/&#x2F;/g, '/').replace(/&#x3D;/g, '=').replace(/&amp;/g, '&')

/** initSignInPasswordless and the token of the link it mailed. */
async function passwordlessLink(email: string) {
  const before = mailsTo(email, 'Your sign-in link').length
  const init = await payload(server, `mutation($email: String!) { initSignInPasswordless(email: $email) { ok ${ERROR} result { requestId } } }`, { email }, server.loginToken)
  assert.equal(init.ok, true, JSON.stringify(init))
  await smtp.waitFor(() => mailsTo(email, 'Your sign-in link').length > before)
  const mail: ReceivedMail = mailsTo(email, 'Your sign-in link')[before]!
  const href = /<a href="([^"]+)"/.exec(mail.html)?.[1]
  assert.ok(href, mail.html)
  const token = new URL(unescapeHtml(href)).searchParams.get('token')
  assert.ok(token)
  return { requestId: init.result.requestId as string, token }
}
const signInPasswordless = (link: { requestId: string; token: string }, second: { mfaOtp?: string; backupCode?: string } = {}) =>
  payload(server, PASSWORDLESS_SIGN_IN, { ...link, ...second }, server.loginToken)

// --- backup codes ---

test('confirmOtp returns ten distinct backup codes (abcde-fghij, no 0/o/1/l); 2fa_enable and backup_code_generated in the log', async () => {
  const p = await totpPerson()
  assert.equal(p.backupCodes.length, 10)
  assert.equal(new Set(p.backupCodes).size, 10)
  for (const code of p.backupCodes) assert.match(code, BACKUP_CODE)
  const types = await typesOf(p.personId)
  assert.ok(types.includes('2fa_enable:true'), types.join())
  assert.ok(types.includes('backup_code_generated:true'), types.join())
  assert.equal(await storedBackupCodes(p.personId), 10)
})

test('signIn with a backup code: each works once; case, hyphen and spaces do not matter; a wrong one is INVALID_OTP_TOKEN; backup_code_used in the log', async () => {
  const p = await totpPerson()
  const [first, second, third, fourth] = p.backupCodes as [string, string, string, string]
  assert.equal(await signInAnswer(p), 'OTP_REQUIRED')
  const signedIn = await signIn(p, { backupCode: first })
  assert.equal(signedIn.ok, true, JSON.stringify(signedIn))
  assert.equal((await server.gql('{ me { id } }', { token: signedIn.result.token })).status, 200)
  assert.equal(await signInAnswer(p, { backupCode: first }), 'INVALID_OTP_TOKEN', 'a used code')

  assert.equal(await signInAnswer(p, { backupCode: second.toUpperCase() }), 'ok', 'upper case')
  assert.equal(await signInAnswer(p, { backupCode: third.replace('-', '') }), 'ok', 'without the hyphen')
  assert.equal(await signInAnswer(p, { backupCode: ` ${fourth.slice(0, 3)} ${fourth.slice(3).replace('-', ' - ')} ` }), 'ok', 'with spaces')

  for (const wrong of ['abcde-fghij', 'x', `${p.backupCodes[4]}x`, p.backupCodes[5]!.replace(/.$/, (c) => c === '2' ? '3' : '2')]) {
    assert.equal(await signInAnswer(p, { backupCode: wrong }), 'INVALID_OTP_TOKEN', wrong)
  }
  assert.equal(await storedBackupCodes(p.personId), 6)

  const log = await logOf(p.personId)
  assert.equal(log.filter((e) => e.type === 'backup_code_used' && e.success).length, 4)
  const failed = log.filter((e) => e.type === 'login' && !e.success).map((e) => e.errorCode)
  assert.deepEqual(failed.filter((c) => c === 'INVALID_OTP_TOKEN').length, 5)
})

test('a wrong backup code counts toward the sign-in back-off; a refused attempt does not spend the code', async () => {
  await configure({ login: { baseBackoff: 'PT1M', maxBackoff: 'PT1M' } })
  try {
    const p = await totpPerson()
    assert.equal(await signInAnswer(p, { backupCode: 'abcde-fghij' }), 'INVALID_OTP_TOKEN')
    const limited = await signIn(p, { backupCode: p.backupCodes[0] })
    assert.equal(limited.error.code, 'RATE_LIMIT_EXCEEDED')
    clock.advance(61_000)
    assert.equal(await signInAnswer(p, { backupCode: p.backupCodes[0] }), 'ok', 'the code was not spent by the refused attempt')
  } finally {
    await configure({ login: { baseBackoff: 'PT0S', maxBackoff: 'PT0S' } })
  }
})

test('using the last of the ten codes mails BACKUP_CODES_EXHAUSTED to the person', async () => {
  const p = await totpPerson()
  for (const code of p.backupCodes.slice(0, 9)) assert.equal(await signInAnswer(p, { backupCode: code }), 'ok')
  await settle()
  assert.equal(mailsTo(p.email, EXHAUSTED).length, 0, 'not before the last one')
  assert.equal(await signInAnswer(p, { backupCode: p.backupCodes[9] }), 'ok')
  const mail = await smtp.waitFor((m) => m.to.includes(p.email) && m.subject === EXHAUSTED)
  assert.match(mail.text, /regenerateBackupCodes/)
  assert.ok(mail.text.includes(p.email))
  assert.equal(await signInAnswer(p), 'OTP_REQUIRED', 'TOTP still guards the sign-in')
  await settle()
  assert.equal(mailsTo(p.email, EXHAUSTED).length, 1)
})

test('regenerateBackupCodes: OTP_NOT_ACTIVE without a factor; with TOTP ten new codes, the old ones stop working; backup_code_regenerated in the log', async () => {
  const plain = await person()
  const none = await regenerate(plain.token)
  assert.deepEqual([none.ok, none.error.code, none.result], [false, 'OTP_NOT_ACTIVE', null])

  const p = await totpPerson()
  const fresh = await regenerate(p.token)
  assert.equal(fresh.ok, true, JSON.stringify(fresh))
  const codes = keepBackupCodes(fresh.result.backupCodes)
  assert.equal(codes.length, 10)
  assert.equal(new Set(codes).size, 10)
  for (const code of codes) assert.match(code, BACKUP_CODE)
  assert.equal(codes.filter((c) => p.backupCodes.includes(c)).length, 0)
  assert.equal(await storedBackupCodes(p.personId), 10)

  assert.equal(await signInAnswer(p, { backupCode: p.backupCodes[0] }), 'INVALID_OTP_TOKEN', 'an old code')
  assert.equal(await signInAnswer(p, { backupCode: codes[0] }), 'ok')
  assert.ok((await typesOf(p.personId)).includes('backup_code_regenerated:true'))
})

test('identities without a person may not use the email OTP and backup code operations (ForbiddenError)', async () => {
  for (const token of [server.loginToken, server.rootToken]) {
    for (const query of ['mutation { regenerateBackupCodes { ok } }', 'mutation { initEmailOtp { ok } }',
      'mutation { confirmEmailOtp(otpToken: "123456") { ok } }', 'mutation { disableEmailOtp { ok } }']) {
      const { code, message } = await refusal(query, {}, token)
      assert.deepEqual([code, message], ['ForbiddenError', 'You are not allowed to setup a OTP'], query)
    }
  }
})

// --- email OTP ---

test('email OTP: initEmailOtp mails a six-digit code; a wrong code is INVALID_OTP_TOKEN; the mailed one turns it on with ten backup codes', async () => {
  const p = await person()
  assert.deepEqual(await factors(p.token), { otpEnabled: false, emailOtpEnabled: false })
  assert.deepEqual(await initEmailOtp(p.token), { ok: true, error: null })
  const code = await mailedCode(p.email, 1)
  assert.match(code, /^\d{6}$/)
  const mail = mailsTo(p.email, VERIFICATION)[0]!
  assert.equal(mail.from, 'tenant@example.com')
  assert.ok(mail.text.includes(p.email))
  assert.deepEqual(await factors(p.token), { otpEnabled: false, emailOtpEnabled: false }, 'not on before it is confirmed')

  const wrong = await confirmEmailOtp(p.token, wrongCode(code))
  assert.deepEqual([wrong.ok, wrong.error.code, wrong.result], [false, 'INVALID_OTP_TOKEN', null])
  assert.equal((await confirmEmailOtp(p.token, 'abc')).error.code, 'INVALID_OTP_TOKEN')
  const confirmed = await confirmEmailOtp(p.token, code)
  assert.equal(confirmed.ok, true, JSON.stringify(confirmed))
  const codes = keepBackupCodes(confirmed.result.backupCodes)
  assert.equal(new Set(codes).size, 10)
  for (const c of codes) assert.match(c, BACKUP_CODE)
  assert.deepEqual(await factors(p.token), { otpEnabled: false, emailOtpEnabled: true })
  assert.equal((await confirmEmailOtp(p.token, code)).error.code, 'INVALID_OTP_TOKEN', 'a code works once')

  const log = await logOf(p.personId)
  const enable = log.find((e) => e.type === '2fa_enable')
  assert.deepEqual([enable.success, enable.metadata?.factor], [true, 'email_otp'])
  const types = log.map((e) => `${e.type}:${e.success}`)
  assert.ok(types.includes('email_otp_sent:true'), types.join())
  assert.ok(types.includes('backup_code_generated:true'), types.join())
})

test('email OTP sign-in: OTP_REQUIRED mails a fresh code; it signs in once; a backup code works too', async () => {
  const p = await emailOtpPerson()
  const first = await signIn(p)
  assert.deepEqual([first.ok, first.error.code], [false, 'OTP_REQUIRED'])
  const code = await mailedCode(p.email, 2)
  const signedIn = await signIn(p, { otpToken: code })
  assert.equal(signedIn.ok, true, JSON.stringify(signedIn))
  assert.equal((await server.gql('{ me { id } }', { token: signedIn.result.token })).status, 200)
  assert.equal(await signInAnswer(p, { otpToken: code }), 'INVALID_OTP_TOKEN', 'the same code again')
  await settle()
  assert.equal(mailsTo(p.email, VERIFICATION).length, 2, 'a code given mails no new one')

  assert.equal(await signInAnswer(p, { backupCode: p.backupCodes[0] }), 'ok')
  assert.equal(await signInAnswer(p, { backupCode: p.backupCodes[0] }), 'INVALID_OTP_TOKEN')
  assert.equal(await signInAnswer(p, { backupCode: 'abcde-fghij' }), 'INVALID_OTP_TOKEN')
  const types = await typesOf(p.personId)
  assert.ok(types.includes('backup_code_used:true'))
  assert.equal(types.filter((t) => t === 'login:true').length, 3, 'the first sign-in, the code, the backup code')
})

test('email OTP sign-in: a code expires after 10 minutes', async () => {
  const p = await emailOtpPerson()
  assert.equal(await signInAnswer(p), 'OTP_REQUIRED')
  const code = await mailedCode(p.email, 2)
  clock.advance(11 * 60_000)
  assert.equal(await signInAnswer(p, { otpToken: code }), 'INVALID_OTP_TOKEN')
  assert.equal(await signInAnswer(p), 'OTP_REQUIRED')
  assert.equal(await signInAnswer(p, { otpToken: await mailedCode(p.email, 3) }), 'ok', 'a new code works')
})

test('email OTP sign-in: a newer code retires the older one', async () => {
  const p = await emailOtpPerson()
  assert.equal(await signInAnswer(p), 'OTP_REQUIRED')
  const older = await mailedCode(p.email, 2)
  assert.equal(await signInAnswer(p), 'OTP_REQUIRED')
  const newer = await mailedCode(p.email, 3)
  if (older !== newer) assert.equal(await signInAnswer(p, { otpToken: older }), 'INVALID_OTP_TOKEN')
  assert.equal(await signInAnswer(p, { otpToken: newer }), 'ok')
})

test('email OTP sign-in: three wrong codes spend the code', async () => {
  const p = await emailOtpPerson()
  assert.equal(await signInAnswer(p), 'OTP_REQUIRED')
  const code = await mailedCode(p.email, 2)
  for (let n = 0; n < 3; n++) assert.equal(await signInAnswer(p, { otpToken: wrongCode(code, n) }), 'INVALID_OTP_TOKEN')
  assert.equal(await signInAnswer(p, { otpToken: code }), 'INVALID_OTP_TOKEN', 'the right code after three wrong ones')
  assert.equal(await signInAnswer(p), 'OTP_REQUIRED')
  assert.equal(await signInAnswer(p, { otpToken: await mailedCode(p.email, 3) }), 'ok')
})

test('initEmailOtp: RATE_LIMITED past rateLimits.emailOtpPerPerson (nothing mailed); the code mailed still works', async () => {
  await configure({ rateLimits: { emailOtpPerPerson: { limit: 1, window: 'PT10M' } } })
  try {
    const p = await person()
    assert.deepEqual(await initEmailOtp(p.token), { ok: true, error: null })
    const code = await mailedCode(p.email, 1)
    const limited = await initEmailOtp(p.token)
    assert.equal(limited.ok, false)
    assert.equal(limited.error.code, 'RATE_LIMITED')
    assert.match(limited.error.developerMessage, /Retry after \d+s/)
    await settle()
    assert.equal(mailsTo(p.email, VERIFICATION).length, 1)
    const sent = (await logOf(p.personId)).filter((e) => e.type === 'email_otp_sent').map((e) => `${e.success}:${e.errorCode}`)
    assert.deepEqual(sent.sort(), ['false:RATE_LIMITED', 'true:null'])
    assert.equal((await confirmEmailOtp(p.token, code)).ok, true)
    // Another person has a window of their own.
    const other = await person()
    assert.deepEqual(await initEmailOtp(other.token), { ok: true, error: null })
  } finally {
    await configure({ rateLimits: { emailOtpPerPerson: null } })
  }
})

test('initEmailOtp: NO_EMAIL for a person without an email address', async () => {
  // No operation makes such a person (signUp and invite need an email, changeProfile refuses a
  // null one), but the column allows it (data moved from elsewhere): the row is changed here.
  const p = await person()
  await server.app.deps.db.query('UPDATE person SET email = NULL WHERE id = $1', [p.personId])
  const answer = await initEmailOtp(p.token)
  assert.deepEqual([answer.ok, answer.error.code], [false, 'NO_EMAIL'])
})

test('disableEmailOtp: EMAIL_OTP_NOT_ACTIVE when off; a recent session turns it off and the backup codes go with it', async () => {
  const plain = await person()
  const notActive = await payload(server, DISABLE_EMAIL_OTP, {}, plain.token)
  assert.deepEqual([notActive.ok, notActive.error.code], [false, 'EMAIL_OTP_NOT_ACTIVE'])

  const p = await emailOtpPerson()
  assert.deepEqual(await payload(server, DISABLE_EMAIL_OTP, {}, p.token), { ok: true, error: null })
  assert.deepEqual(await factors(p.token), { otpEnabled: false, emailOtpEnabled: false })
  assert.equal(await signInAnswer(p), 'ok', 'no code asked any more')
  assert.equal((await regenerate(p.token)).error.code, 'OTP_NOT_ACTIVE')
  assert.equal(await storedBackupCodes(p.personId), 0)
  const disable = (await logOf(p.personId)).find((e) => e.type === '2fa_disable')
  assert.deepEqual([disable.success, disable.metadata?.factor], [true, 'email_otp'])
  assert.equal((await payload(server, DISABLE_EMAIL_OTP, {}, p.token)).error.code, 'EMAIL_OTP_NOT_ACTIVE')
})

test('disableEmailOtp with a session older than 5 minutes: ForbiddenError without proof or with a wrong one; the password or a mailed code does it', async () => {
  const byPassword = await emailOtpPerson()
  const byCode = await emailOtpPerson()
  clock.advance(6 * 60_000)
  for (const variables of [{}, { password: 'Not-The-Password-1' }, { otpToken: '123456' }, { otpToken: 'abc' }]) {
    const { code } = await refusal(DISABLE_EMAIL_OTP, variables, byPassword.token)
    assert.equal(code, 'ForbiddenError', JSON.stringify(variables))
  }
  assert.equal((await factors(byPassword.token)).emailOtpEnabled, true)
  assert.deepEqual(await payload(server, DISABLE_EMAIL_OTP, { password: byPassword.password }, byPassword.token), { ok: true, error: null })
  assert.equal((await factors(byPassword.token)).emailOtpEnabled, false)

  assert.deepEqual(await initEmailOtp(byCode.token), { ok: true, error: null })
  const code = await mailedCode(byCode.email, 2)
  assert.equal((await refusal(DISABLE_EMAIL_OTP, { otpToken: wrongCode(code) }, byCode.token)).code, 'ForbiddenError')
  assert.deepEqual(await payload(server, DISABLE_EMAIL_OTP, { otpToken: code }, byCode.token), { ok: true, error: null })
  assert.equal((await factors(byCode.token)).emailOtpEnabled, false)
})

test('disabling one of two factors keeps the backup codes; disabling the last deletes them', async () => {
  const p = await emailOtpPerson(await totpPerson())
  assert.deepEqual(await factors(p.token), { otpEnabled: true, emailOtpEnabled: true })
  assert.deepEqual(await payload(server, `mutation { disableOtp { ok ${ERROR} } }`, {}, p.token), { ok: true, error: null })
  assert.equal(await storedBackupCodes(p.personId), 10)
  assert.equal(await signInAnswer(p, { backupCode: p.backupCodes[0] }), 'ok', 'email OTP is still on, and a backup code passes it')

  assert.deepEqual(await payload(server, DISABLE_EMAIL_OTP, {}, p.token), { ok: true, error: null })
  assert.equal(await storedBackupCodes(p.personId), 0)
  assert.equal((await regenerate(p.token)).error.code, 'OTP_NOT_ACTIVE')

  const totpOnly = await totpPerson()
  assert.deepEqual(await payload(server, `mutation { disableOtp { ok ${ERROR} } }`, {}, totpOnly.token), { ok: true, error: null })
  assert.equal(await storedBackupCodes(totpOnly.personId), 0)
  assert.equal((await regenerate(totpOnly.token)).error.code, 'OTP_NOT_ACTIVE')
  assert.equal(await signInAnswer(totpOnly), 'ok')
})

// --- passwordless ---

test('signInPasswordless with a backup code (TOTP person), and with the mailed code as mfaOtp (email OTP person)', async () => {
  await configure({ passwordless: { enabled: 'always', url: 'https://app.example.com/pl', expiration: 'PT10M' } })
  try {
    const t = await totpPerson()
    const link = await passwordlessLink(t.email)
    assert.equal((await signInPasswordless(link)).error.code, 'OTP_REQUIRED')
    assert.equal((await signInPasswordless(link, { backupCode: 'abcde-fghij' })).error.code, 'INVALID_OTP_TOKEN')
    const r = await signInPasswordless(link, { backupCode: t.backupCodes[0]!.toUpperCase() })
    assert.equal(r.ok, true, JSON.stringify(r))
    // The manual clock stamps a test's entries alike: their order is not asserted.
    const types = await typesOf(t.personId)
    assert.deepEqual([types.filter((e) => e === 'backup_code_used:true').length, types.filter((e) => e === 'passwordless_login:true').length], [1, 1])
    const again = await passwordlessLink(t.email)
    assert.equal((await signInPasswordless(again, { backupCode: t.backupCodes[0] })).error.code, 'INVALID_OTP_TOKEN', 'a used code')

    const e = await emailOtpPerson()
    const emailLink = await passwordlessLink(e.email)
    assert.equal((await signInPasswordless(emailLink)).error.code, 'OTP_REQUIRED')
    const code = await mailedCode(e.email, 2)
    assert.equal((await signInPasswordless(emailLink, { mfaOtp: wrongCode(code) })).error.code, 'INVALID_OTP_TOKEN')
    const signedIn = await signInPasswordless(emailLink, { mfaOtp: code })
    assert.equal(signedIn.ok, true, JSON.stringify(signedIn))
    assert.equal((await server.gql('{ me { id } }', { token: signedIn.result.token })).status, 200)

    const withBackup = await passwordlessLink(e.email)
    assert.equal((await signInPasswordless(withBackup, { backupCode: e.backupCodes[0] })).ok, true)
  } finally {
    await configure({ passwordless: { enabled: 'never' } })
  }
})

test('signInPasswordless: wrong codes count toward the sign-in back-off, so a mailed link gives no unlimited tries', async () => {
  await configure({ passwordless: { enabled: 'always', url: 'https://app.example.com/pl', expiration: 'PT10M' }, login: { baseBackoff: 'PT1M', maxBackoff: 'PT1M' } })
  try {
    const t = await totpPerson()
    const link = await passwordlessLink(t.email)
    assert.equal((await signInPasswordless(link, { mfaOtp: wrongCode(await totpAt(t.secret)) })).error.code, 'INVALID_OTP_TOKEN')
    // The next try within the back-off is refused unchecked, the right code too.
    const refused = await signInPasswordless(link, { mfaOtp: await totpAt(t.secret) })
    assert.equal(refused.error.code, 'INVALID_OTP_TOKEN')
    assert.match(refused.error.developerMessage, /Too many wrong codes/)
    clock.advance(61_000)
    const passed = await signInPasswordless(link, { mfaOtp: await totpAt(t.secret) })
    assert.equal(passed.ok, true, JSON.stringify(passed))
  } finally {
    await configure({ passwordless: { enabled: 'never' }, login: { baseBackoff: 'PT0S', maxBackoff: 'PT0S' } })
  }
})

test('regenerateBackupCodes with a session older than 5 minutes: ForbiddenError without proof; the password or a current code does it', async () => {
  const t = await totpPerson()
  clock.advance(6 * 60_000)
  const query = `mutation($password: String, $otpToken: String) { regenerateBackupCodes(password: $password, otpToken: $otpToken) { ok ${ERROR} result { backupCodes } } }`
  assert.equal((await refusal(query, {}, t.token)).code, 'ForbiddenError')
  assert.equal((await refusal(query, { password: 'Not-The-Password-1' }, t.token)).code, 'ForbiddenError')
  const byPassword = await payload(server, query, { password: t.password }, t.token)
  assert.equal(byPassword.ok, true, JSON.stringify(byPassword))
  keepBackupCodes(byPassword.result.backupCodes)
  clock.advance(30_000)
  const byCode = await payload(server, query, { otpToken: await totpAt(t.secret) }, t.token)
  assert.equal(byCode.ok, true, JSON.stringify(byCode))
  keepBackupCodes(byCode.result.backupCodes)
})

// --- resetPersonMfa ---

test('resetPersonMfa as root removes TOTP, email OTP and backup codes; mfa_reset in the log; PERSON_NOT_FOUND for unknown and malformed ids', async () => {
  const p = await emailOtpPerson(await totpPerson())
  assert.deepEqual(await factors(p.token), { otpEnabled: true, emailOtpEnabled: true })
  assert.deepEqual(await payload(server, RESET, { id: p.personId }), { ok: true, error: null })
  assert.deepEqual(await factors(p.token), { otpEnabled: false, emailOtpEnabled: false })
  assert.equal(await signInAnswer(p), 'ok', 'no code asked')
  assert.equal(await storedBackupCodes(p.personId), 0)
  assert.equal((await regenerate(p.token)).error.code, 'OTP_NOT_ACTIVE')

  const reset = (await payload(server, LOG, { filter: { targetPersonId: p.personId, types: ['mfa_reset'] } })).entries
  assert.equal(reset.length, 1)
  assert.deepEqual([reset[0].success, reset[0].targetPersonId, reset[0].errorCode], [true, p.personId, null])

  for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
    const answer = await payload(server, RESET, { id })
    assert.deepEqual([answer.ok, answer.error.code], [false, 'PERSON_NOT_FOUND'], id)
  }
  const notFound = (await payload(server, LOG, { filter: { types: ['mfa_reset'], success: false }, limit: 10 })).entries
  assert.deepEqual(notFound.map((e: any) => [e.errorCode, e.metadata?.requestedPersonId]).sort(),
    [['PERSON_NOT_FOUND', '00000000-0000-4000-8000-000000000000'], ['PERSON_NOT_FOUND', 'not-a-uuid']])
})

test('resetPersonMfa: a plain person gets a ForbiddenError; a project admin may reset a plain person, not a super admin', async () => {
  const target = await totpPerson()
  const plain = await person()
  for (const id of [target.personId, plain.personId, '00000000-0000-4000-8000-000000000000']) {
    const { code, message } = await refusal(RESET, { id }, plain.token)
    assert.deepEqual([code, message], ['ForbiddenError', 'You are not allowed to reset MFA for this person'], id)
  }
  assert.equal((await factors(target.token)).otpEnabled, true)

  const admin = await person(['project_admin'])
  assert.deepEqual(await payload(server, RESET, { id: target.personId }, admin.token), { ok: true, error: null })
  assert.equal((await factors(target.token)).otpEnabled, false)
  const entry = (await payload(server, LOG, { filter: { targetPersonId: target.personId, types: ['mfa_reset'] } })).entries[0]
  assert.deepEqual([entry.success, entry.invokedByIdentityId], [true, admin.identityId])

  const superAdmin = await totpPerson(['super_admin'])
  assert.equal((await refusal(RESET, { id: superAdmin.personId }, admin.token)).code, 'ForbiddenError')
  assert.equal((await factors(superAdmin.token)).otpEnabled, true)
  assert.equal((await payload(server, RESET, { id: '00000000-0000-4000-8000-000000000000' }, admin.token)).error.code, 'PERSON_NOT_FOUND')
})

// --- the auth log ---

test('no backup code, mailed code or password appears in any auth log entry', async () => {
  const entries: unknown[] = []
  for (let offset = 0; ; offset += 500) {
    const page = await payload(server, LOG, { limit: 500, offset })
    entries.push(...page.entries)
    if (!page.hasMore) break
  }
  assert.ok(entries.length > 100, `the tests above wrote the log (${entries.length} entries)`)
  assert.ok(secrets.backupCodes.size >= 100 && secrets.mailedCodes.size >= 10 && secrets.passwords.size >= 20)
  const text = JSON.stringify(entries)
  for (const code of secrets.backupCodes) {
    for (const form of [code, code.replace('-', ''), code.toUpperCase()]) assert.ok(!text.includes(form), `a backup code in the auth log`)
  }
  for (const password of secrets.passwords) assert.ok(!text.includes(password), 'a password in the auth log')
  // Six digits may occur inside an id or a time: a code counts when it stands alone.
  for (const code of secrets.mailedCodes) assert.ok(!new RegExp(`(?<![0-9A-Za-z])${code}(?![0-9A-Za-z])`).test(text), `a mailed code in the auth log`)
})
