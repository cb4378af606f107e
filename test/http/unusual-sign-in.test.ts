import assert from 'node:assert/strict'
import { test } from 'node:test'
import { generate } from 'otplib'
import { payload, signUpPerson, type SignedUpPerson } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'
import { startSmtpSink } from '../helpers/smtp.js'

// login.anomalyDetection: a sign-in from a new country, device or network, compared with the
// person's recent ones, is mailed about (UNUSUAL_LOGIN) or, when very unusual, needs a mailed
// code (EMAIL_OTP) as otpToken; each step is in the auth log. Off by default. The client's
// address and country come through a backend key trusted to forward them (X-Contember-Client-IP,
// GEO_COUNTRY_HEADER), as behind a real proxy.

const smtp = await startSmtpSink()
const server = await startServer({ env: { ...smtp.env, MAIL_POLL_INTERVAL_MS: '50', GEO_COUNTRY_HEADER: 'CF-IPCountry' } })

const backend = (await payload(server,
  'mutation { createGlobalApiKey(description: "sign-in proxy", roles: ["login"], options: { trustForwardedClientInfo: true }) { ok result { apiKey { token } } } }'))
  .result.apiKey.token as string
// Wrong codes count towards the sign-in back-off like wrong passwords; these tests try several in a row.
await payload(server, 'mutation { configure(config: { login: { baseBackoff: "PT0S", maxBackoff: "PT0S" } }) { ok } }')

interface Client { ip: string; agent: string; country?: string }
const home: Client = { ip: '192.0.2.10', agent: 'Firefox/120', country: 'CZ' }

const SIGN_IN = 'mutation($e: String!, $p: String!, $otp: String) { signIn(email: $e, password: $p, otpToken: $otp) { ok error { code developerMessage } result { token } } }'

/** signIn through the backend, for a user at `client`. */
async function signInFrom(person: SignedUpPerson, client: Client, otpToken?: string) {
  const headers: Record<string, string> = {
    'content-type': 'application/json', authorization: `Bearer ${backend}`,
    'x-contember-client-ip': client.ip, 'x-contember-client-user-agent': client.agent, ...client.country ? { 'cf-ipcountry': client.country } : {},
  }
  const res = await server.fetch('/tenant', { method: 'POST', headers, body: JSON.stringify({ query: SIGN_IN, variables: { e: person.email, p: person.password, otp: otpToken } }) })
  const body = await res.json()
  assert.equal(body.errors, undefined, JSON.stringify(body.errors))
  return body.data.signIn as { ok: boolean; error: { code: string; developerMessage: string } | null; result: { token: string } | null }
}

const LOG = 'query($filter: AuthLogFilter) { authLog(filter: $filter, limit: 50) { entries { type success errorCode ipAddress metadata eventData } } }'
const logOf = async (person: SignedUpPerson) =>
  (await payload(server, LOG, { filter: { personId: person.personId } })).entries as { type: string; success: boolean; errorCode: string | null; ipAddress: string; metadata: any; eventData: any }[]
const typesOf = async (person: SignedUpPerson) => (await logOf(person)).map((e) => `${e.type}:${e.success}`)

const mailsTo = (person: SignedUpPerson, subject: string) => smtp.mails.filter((m) => m.to.includes(person.email) && m.subject === subject)
const codeMailedTo = async (person: SignedUpPerson, nth: number) => {
  await smtp.waitFor(() => mailsTo(person, 'Your verification code').length >= nth)
  return /\b(\d{6})\b/.exec(mailsTo(person, 'Your verification code')[nth - 1]!.text)![1]!
}
/** Mail goes out after commit, on the sender's next turn: waits a little for any that is coming. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 300))

async function configure(anomalyDetection: Record<string, unknown>) {
  const answer = await payload(server, 'mutation($a: ConfigLoginAnomalyDetectionInput) { configure(config: { login: { anomalyDetection: $a } }) { ok error { code developerMessage } } }', { a: anomalyDetection })
  assert.equal(answer.ok, true, JSON.stringify(answer.error))
}

/** A person whose usual client is `home` (one earlier sign-in from it). */
async function regular() {
  const person = await signUpPerson(server)
  assert.equal((await signInFrom(person, home)).ok, true)
  return person
}

test('off by default: a sign-in from a new country, device and network is let through without a mail', async () => {
  const config = await payload(server, '{ configuration { login { anomalyDetection { enabled historySize emailThreshold stepUpThreshold } } } }')
  assert.deepEqual(config.login.anomalyDetection, { enabled: false, historySize: 10, emailThreshold: 1, stepUpThreshold: 3 })
  const person = await regular()
  assert.equal((await signInFrom(person, { ip: '198.51.100.7', agent: 'Safari/17', country: 'US' })).ok, true)
  await settle()
  assert.equal(smtp.mails.filter((m) => m.to.includes(person.email)).length, 0)
  assert.deepEqual(await typesOf(person), ['login:true', 'login:true'])
})

test('configure: the section is merged field by field and bounded', async () => {
  await configure({ enabled: true })
  await configure({ historySize: 5 })
  const config = await payload(server, '{ configuration { login { anomalyDetection { enabled historySize emailThreshold stepUpThreshold } } } }')
  assert.deepEqual(config.login.anomalyDetection, { enabled: true, historySize: 5, emailThreshold: 1, stepUpThreshold: 3 })
  for (const bad of [{ historySize: 0 }, { historySize: 101 }, { emailThreshold: -1 }, { stepUpThreshold: 101 }]) {
    const answer = await payload(server, 'mutation($a: ConfigLoginAnomalyDetectionInput) { configure(config: { login: { anomalyDetection: $a } }) { ok error { code } } }', { a: bad })
    assert.deepEqual([answer.ok, answer.error.code], [false, 'INVALID_CONFIG'], JSON.stringify(bad))
  }
  await configure({ historySize: 10 })
})

test('first sign-in and the usual client: nothing unusual', async () => {
  await configure({ enabled: true })
  const person = await signUpPerson(server)
  assert.equal((await signInFrom(person, home)).ok, true)
  assert.equal((await signInFrom(person, { ...home, ip: '192.0.2.77' })).ok, true)
  await settle()
  assert.equal(mailsTo(person, 'Unusual sign-in to your account').length, 0)
  assert.deepEqual(await typesOf(person), ['login:true', 'login:true'])
})

test('a new device: signed in, told by mail (with the address and country), unusual_login_detected in the log', async () => {
  await configure({ enabled: true })
  const person = await regular()
  const answer = await signInFrom(person, { ...home, agent: 'Safari/17' })
  assert.equal(answer.ok, true)
  assert.equal((await server.gql('{ me { id } }', { token: answer.result!.token })).status, 200)
  const mail = await smtp.waitFor((m) => m.to.includes(person.email) && m.subject === 'Unusual sign-in to your account')
  assert.match(mail.text, /192\.0\.2\.10/)
  assert.match(mail.text, /CZ/)
  const latest = (await logOf(person)).slice(0, 2)
  assert.deepEqual(latest.map((e) => e.type).sort(), ['login', 'unusual_login_detected'])
  const unusual = latest.find((e) => e.type === 'unusual_login_detected')!
  assert.deepEqual([unusual.success, unusual.eventData, unusual.metadata.geoCountry], [true, { score: 2, reasons: ['new_device'] }, 'CZ'])
})

test('a new network alone scores 1: mailed about at the default threshold, not with emailThreshold 2', async () => {
  await configure({ enabled: true })
  const person = await regular()
  assert.equal((await signInFrom(person, { ...home, ip: '198.51.100.7' })).ok, true)
  assert.deepEqual((await logOf(person)).find((e) => e.type === 'unusual_login_detected')!.eventData, { score: 1, reasons: ['new_ip_prefix'] })
  await smtp.waitFor((m) => m.to.includes(person.email) && m.subject === 'Unusual sign-in to your account')

  await configure({ emailThreshold: 2 })
  const other = await regular()
  assert.equal((await signInFrom(other, { ...home, ip: '198.51.100.8' })).ok, true)
  await settle()
  assert.equal(mailsTo(other, 'Unusual sign-in to your account').length, 0)
  assert.deepEqual(await typesOf(other), ['login:true', 'login:true'])
  await configure({ emailThreshold: 1 })
})

test('a new country: OTP_REQUIRED and a mailed code; a wrong code is INVALID_OTP_TOKEN; the right one signs in once', async () => {
  await configure({ enabled: true })
  const person = await regular()
  const abroad: Client = { ...home, country: 'US' }
  const first = await signInFrom(person, abroad)
  assert.deepEqual([first.ok, first.error!.code], [false, 'OTP_REQUIRED'])
  const code = await codeMailedTo(person, 1)
  // Written in the same millisecond, so in no particular order.
  const entries = (await logOf(person)).slice(0, 4)
  assert.deepEqual(entries.map((e) => `${e.type}:${e.success}:${e.errorCode}`).sort(), [
    'email_otp_sent:true:null', 'login:false:OTP_REQUIRED', 'step_up_required:false:null', 'unusual_login_detected:false:null',
  ])
  assert.deepEqual(entries.find((e) => e.type === 'step_up_required')!.eventData, { score: 3, reasons: ['new_country'] })

  const wrong = code === '000000' ? '111111' : '000000'
  const refused = await signInFrom(person, abroad, wrong)
  assert.deepEqual([refused.ok, refused.error!.code], [false, 'INVALID_OTP_TOKEN'])

  const passed = await signInFrom(person, abroad, code)
  assert.equal(passed.ok, true, JSON.stringify(passed.error))
  await smtp.waitFor((m) => m.to.includes(person.email) && m.subject === 'Unusual sign-in to your account')
  assert.deepEqual((await typesOf(person)).slice(0, 2).sort(), ['login:true', 'unusual_login_detected:true'])
  // A code works once.
  const again = await signInFrom(person, { ...home, country: 'DE', agent: 'Other/1' }, code)
  assert.deepEqual([again.ok, again.error!.code], [false, 'INVALID_OTP_TOKEN'])
  // The country is known now.
  assert.equal((await signInFrom(person, abroad)).ok, true)
})

test('step-up: a newer code retires the older; three wrong codes spend it; no secret in the log', async () => {
  await configure({ enabled: true })
  const person = await regular()
  const abroad: Client = { ...home, country: 'FR' }
  assert.equal((await signInFrom(person, abroad)).error!.code, 'OTP_REQUIRED')
  const older = await codeMailedTo(person, 1)
  assert.equal((await signInFrom(person, abroad)).error!.code, 'OTP_REQUIRED')
  const newer = await codeMailedTo(person, 2)
  if (older !== newer) assert.equal((await signInFrom(person, abroad, older)).error!.code, 'INVALID_OTP_TOKEN')

  assert.equal((await signInFrom(person, abroad)).error!.code, 'OTP_REQUIRED')
  const code = await codeMailedTo(person, 3)
  const wrong = ['000000', '111111', '222222', '333333'].filter((c) => c !== code).slice(0, 3)
  for (const w of wrong) assert.equal((await signInFrom(person, abroad, w)).error!.code, 'INVALID_OTP_TOKEN')
  assert.equal((await signInFrom(person, abroad, code)).error!.code, 'INVALID_OTP_TOKEN')
  const text = JSON.stringify(await logOf(person))
  for (const secret of [older, newer, code, person.password!]) assert.ok(!text.includes(secret), 'a code or password in the auth log')
})

test('step-up: at most rateLimits.emailOtpPerPerson codes per window; the last one mailed still works', async () => {
  await configure({ enabled: true })
  await payload(server, 'mutation { configure(config: { rateLimits: { emailOtpPerPerson: { limit: 1 } } }) { ok } }')
  const person = await regular()
  const abroad: Client = { ...home, country: 'PL' }
  assert.equal((await signInFrom(person, abroad)).error!.code, 'OTP_REQUIRED')
  const code = await codeMailedTo(person, 1)
  assert.equal((await signInFrom(person, abroad)).error!.code, 'OTP_REQUIRED')
  await settle()
  assert.equal(mailsTo(person, 'Your verification code').length, 1)
  const sent = (await logOf(person)).filter((e) => e.type === 'email_otp_sent').map((e) => [e.success, e.errorCode])
  assert.deepEqual(sent, [[false, 'RATE_LIMITED'], [true, null]])
  assert.equal((await signInFrom(person, abroad, code)).ok, true)
  await payload(server, 'mutation { configure(config: { rateLimits: { emailOtpPerPerson: { limit: null } } }) { ok } }')
})

test('a person who gave a TOTP code is not asked again; still told by mail', async () => {
  await configure({ enabled: true })
  const person = await regular()
  const sessionToken = (await signInFrom(person, home)).result!.token
  const prepared = await payload(server, 'mutation { prepareOtp { ok result { otpSecret } } }', {}, sessionToken)
  const secret = prepared.result.otpSecret as string
  assert.equal((await payload(server, 'mutation($t: String!) { confirmOtp(otpToken: $t) { ok } }', { t: await generate({ secret }) }, sessionToken)).ok, true)
  // The next time step, so the code is not the one confirmOtp spent.
  const code = await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 })
  const answer = await signInFrom(person, { ...home, country: 'JP' }, code)
  assert.equal(answer.ok, true, JSON.stringify(answer.error))
  await smtp.waitFor((m) => m.to.includes(person.email) && m.subject === 'Unusual sign-in to your account')
  const types = await typesOf(person)
  assert.ok(!types.includes('step_up_required:false'))
  assert.ok(types.includes('unusual_login_detected:true'))
})

test('custom thresholds: stepUpThreshold 2 asks for a code on a new device', async () => {
  await configure({ enabled: true, stepUpThreshold: 2 })
  const person = await regular()
  assert.equal((await signInFrom(person, { ...home, agent: 'Edge/1' })).error!.code, 'OTP_REQUIRED')
  await configure({ stepUpThreshold: 3, enabled: false })
})
