import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { randomEmail } from '../helpers/fixtures.js'
import { goodPassword, payload, personRow, personWithSession, signInAnswer, signUpPerson } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'
import { startSmtpSink } from '../helpers/smtp.js'
import { manualClock } from '../../src/model/clock.js'

// createResetPasswordRequest, resetPassword and checkResetPasswordToken: the mail (through a real
// SMTP server) and the outbox row it leaves, the token working once, sessions ending, expiry on a
// manual clock, the per-email limit, revealUserExists, whose template a mail gets, and every code.

const clock = manualClock()
const smtp = await startSmtpSink()
const server = await startServer({ clock, env: { ...smtp.env, MAIL_POLL_INTERVAL_MS: '100' } })

const REQUEST = `mutation($email: String!, $options: CreateResetPasswordRequestOptions) {
  createResetPasswordRequest(email: $email, options: $options) { ok error { code developerMessage } errors { code } } }`
const RESET = `mutation($token: String!, $password: String!) {
  resetPassword(token: $token, password: $password) { ok error { code weakPasswordReasons } errors { code } } }`
const CHECK = 'query($requestId: String!, $token: String!) { checkResetPasswordToken(requestId: $requestId, token: $token) }'
const ADD_TEMPLATE = 'mutation($t: MailTemplate!) { addMailTemplate(template: $t) { ok error { code } } }'

const request = (email: string, options?: Record<string, unknown>, token = server.loginToken) => payload(server, REQUEST, { email, options }, token)
const reset = (token: string, password: string) => payload(server, RESET, { token, password }, server.loginToken)
const check = (requestId: string, token: string) => payload(server, CHECK, { requestId, token }, server.loginToken)
const meStatus = async (token: string) => (await server.gql('{ me { id } }', { token })).status
const mailsTo = (email: string) => smtp.mails.filter((m) => m.to.includes(email))
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

// A global template of a variant of this file's own that shows the request id (the default one
// shows only the token), with the token in the subject too (which the outbox must not keep).
const WITH_ID = `rid_${randomBytes(4).toString('hex')}`
assert.equal((await payload(server, ADD_TEMPLATE, { t: {
  type: 'RESET_PASSWORD_REQUEST', variant: WITH_ID, subject: 'Code {{token}}', content: '<p>token={{token}} request={{requestId}} for={{email}}</p>',
} })).ok, true)

/** Asks for a reset of `email` (ok expected) and answers the mail it sent, its token and request id. */
async function requestMail(email: string, options: Record<string, unknown> = { mailVariant: WITH_ID }) {
  const to = email.toLowerCase()
  const before = mailsTo(to).length
  const r = await request(email, options)
  assert.deepEqual(r, { ok: true, error: null, errors: [] })
  await smtp.waitFor(() => mailsTo(to).length > before)
  const mail = mailsTo(to)[before]!
  const token = /([0-9a-f]{40})/.exec(mail.html)?.[1]
  assert.ok(token, mail.html)
  return { mail, token, requestId: /request=([0-9a-f-]{36})/.exec(mail.html)?.[1] ?? '' }
}

/** The mail's outbox row once the sender has marked it sent. */
async function sentOutboxRow(email: string) {
  for (let i = 0; i < 100; i++) {
    const { rows } = await server.app.deps.db.query<{ subject: string; sealed: string | null; state: string }>(
      'SELECT subject, sealed, state FROM mail_outbox WHERE recipient = $1', [email])
    if (rows.length === 1 && rows[0]!.state === 'sent') return rows[0]!
    await pause(50)
  }
  assert.fail(`the mail to ${email} was not marked sent`)
}

async function newProject(name: string) {
  const slug = `pr_${randomBytes(4).toString('hex')}`
  assert.equal((await payload(server, 'mutation($slug: String!, $name: String) { createProject(projectSlug: $slug, name: $name, options: { noDeployToken: true }) { ok } }',
    { slug, name })).ok, true)
  assert.equal((await payload(server, ADD_TEMPLATE, { t: {
    projectSlug: slug, type: 'RESET_PASSWORD_REQUEST', subject: 'Reset for {{project}}', content: '<p>{{projectSlug}}: {{token}}</p>',
  } })).ok, true)
  return { slug, name }
}

async function addMember(slug: string, identityId: string) {
  assert.equal((await payload(server, `mutation($slug: String!, $id: String!) {
    addProjectMember(projectSlug: $slug, identityId: $id, memberships: [{ role: "admin", variables: [] }]) { ok } }`, { slug, id: identityId })).ok, true)
}

test('createResetPasswordRequest: mails the default template with the token; resetPassword ends every session, the new password signs in, the old not', async () => {
  const person = await personWithSession(server)
  const { mail, token } = await requestMail(person.email.toUpperCase(), {})
  assert.deepEqual(mail.to, [person.email], 'sent to the normalised address')
  assert.equal(mail.subject, 'Reset your password')
  assert.equal(mail.from, 'tenant@example.com')
  assert.match(mail.html, new RegExp(person.email.replace('.', '\\.')))

  const password = goodPassword()
  assert.deepEqual(await reset(token, password), { ok: true, error: null, errors: [] })
  assert.equal(await meStatus(person.token), 401)
  assert.equal(await signInAnswer(server, person.email, password), 'ok')
  assert.equal(await signInAnswer(server, person.email, person.password!), 'INVALID_PASSWORD')
  const again = await reset(token, goodPassword())
  assert.equal(again.error.code, 'TOKEN_USED')
  assert.deepEqual(again.errors, [{ code: 'TOKEN_USED' }])
})

test('createResetPasswordRequest: the outbox keeps the subject without the token and drops the sealed body once sent', async () => {
  const person = await signUpPerson(server)
  const { mail, token } = await requestMail(person.email)
  assert.equal(mail.subject, `Code ${token}`, 'the mail itself carries the token in its subject')
  const row = await sentOutboxRow(person.email)
  assert.equal(row.subject, 'Code …')
  assert.equal(row.sealed, null)
})

test('createResetPasswordRequest: a newer request retires the older token (TOKEN_USED); of three resets at once with the newer one, one wins', async () => {
  const person = await signUpPerson(server)
  const first = await requestMail(person.email)
  const second = await requestMail(person.email)
  assert.equal(await check(first.requestId, first.token), 'TOKEN_USED')
  assert.equal(await check(second.requestId, second.token), 'VALID')
  assert.equal((await reset(first.token, goodPassword())).error.code, 'TOKEN_USED')
  assert.equal(await signInAnswer(server, person.email, person.password!), 'ok', 'the refused reset changed nothing')

  const passwords = [goodPassword(), goodPassword(), goodPassword()]
  const answers = await Promise.all(passwords.map((p) => reset(second.token, p)))
  assert.equal(answers.filter((a) => a.ok).length, 1, JSON.stringify(answers))
  assert.ok(answers.filter((a) => !a.ok).every((a) => a.error.code === 'TOKEN_USED'), JSON.stringify(answers))
  const winner = passwords[answers.findIndex((a) => a.ok)]!
  assert.equal(await signInAnswer(server, person.email, winner), 'ok')
})

test('checkResetPasswordToken: VALID, REQUEST_NOT_FOUND (unknown or malformed id), TOKEN_NOT_FOUND (empty), TOKEN_INVALID (another token); it never spends the token', async () => {
  const person = await signUpPerson(server)
  const { token, requestId } = await requestMail(person.email)
  assert.equal(await check(requestId, token), 'VALID')
  assert.equal(await check(requestId, token), 'VALID', 'asking twice does not use it')
  assert.equal(await check(randomUUID(), token), 'REQUEST_NOT_FOUND')
  assert.equal(await check('not-a-uuid', token), 'REQUEST_NOT_FOUND')
  assert.equal(await check('', token), 'REQUEST_NOT_FOUND')
  assert.equal(await check(requestId, ''), 'TOKEN_NOT_FOUND')
  assert.equal(await check(requestId, randomBytes(20).toString('hex')), 'TOKEN_INVALID')
  assert.equal(await check(requestId, token.toUpperCase()), 'TOKEN_INVALID')

  assert.equal((await reset(token, goodPassword())).ok, true)
  assert.equal(await check(requestId, token), 'TOKEN_USED')
})

test('resetPassword: TOKEN_NOT_FOUND; PASSWORD_TOO_WEAK (with reasons) changes nothing and leaves the token and sessions alive', async () => {
  assert.equal((await reset(randomBytes(20).toString('hex'), goodPassword())).error.code, 'TOKEN_NOT_FOUND')
  assert.deepEqual((await reset('', goodPassword())).errors, [{ code: 'TOKEN_NOT_FOUND' }])

  const person = await personWithSession(server)
  const { token, requestId } = await requestMail(person.email)
  const before = await personRow(server, person.personId)
  const weak = await reset(token, 'short')
  assert.equal(weak.ok, false)
  assert.equal(weak.error.code, 'PASSWORD_TOO_WEAK')
  assert.ok(weak.error.weakPasswordReasons.includes('TOO_SHORT'), JSON.stringify(weak))
  assert.deepEqual(await personRow(server, person.personId), before)
  assert.equal(await check(requestId, token), 'VALID')
  assert.equal(await meStatus(person.token), 200)
  assert.equal(await signInAnswer(server, person.email, person.password!), 'ok')
})

test('resetPassword and checkResetPasswordToken: TOKEN_EXPIRED once the 60 minutes are over (manual clock)', async () => {
  const person = await signUpPerson(server)
  const { token, requestId } = await requestMail(person.email)
  clock.advance(59 * 60_000 + 59_000)
  assert.equal(await check(requestId, token), 'VALID', 'at 59:59')
  clock.advance(2_000)
  assert.equal(await check(requestId, token), 'TOKEN_EXPIRED')
  assert.equal((await reset(token, goodPassword())).error.code, 'TOKEN_EXPIRED')
  assert.equal(await signInAnswer(server, person.email, person.password!), 'ok', 'the password is the old one')
})

test('resetPassword: TOKEN_INVALID after the email changed (changeProfile) or the person was disabled; nothing changes', async () => {
  const moved = await signUpPerson(server)
  const a = await requestMail(moved.email)
  const changed = await payload(server, 'mutation($id: String!, $email: String) { changeProfile(personId: $id, email: $email) { ok } }',
    { id: moved.personId, email: randomEmail() })
  assert.equal(changed.ok, true)
  const movedRow = await personRow(server, moved.personId)
  assert.equal(await check(a.requestId, a.token), 'TOKEN_INVALID')
  assert.equal((await reset(a.token, goodPassword())).error.code, 'TOKEN_INVALID')
  assert.deepEqual(await personRow(server, moved.personId), movedRow)

  const disabled = await signUpPerson(server)
  const b = await requestMail(disabled.email)
  assert.equal((await payload(server, 'mutation($id: String!) { disablePerson(personId: $id) { ok } }', { id: disabled.personId })).ok, true)
  const disabledRow = await personRow(server, disabled.personId)
  assert.equal(await check(b.requestId, b.token), 'TOKEN_INVALID')
  assert.equal((await reset(b.token, goodPassword())).error.code, 'TOKEN_INVALID')
  assert.deepEqual(await personRow(server, disabled.personId), disabledRow)
  assert.equal((await request(disabled.email)).error.code, 'PERSON_NOT_FOUND', 'a disabled person is nobody to mail')
})

test('createResetPasswordRequest: PERSON_NOT_FOUND for an unknown email; with revealUserExists off, ok and no mail, known and unknown both taking ≥ 150 ms', async () => {
  const unknown = randomEmail()
  const missing = await request(unknown)
  assert.equal(missing.ok, false)
  assert.equal(missing.error.code, 'PERSON_NOT_FOUND')
  assert.deepEqual(missing.errors, [{ code: 'PERSON_NOT_FOUND' }])

  const CONFIGURE = 'mutation($on: Boolean) { configure(config: { login: { revealUserExists: $on } }) { ok } }'
  assert.equal((await payload(server, CONFIGURE, { on: false })).ok, true)
  try {
    const person = await signUpPerson(server)
    const timed = async (email: string) => {
      const started = performance.now()
      const r = await request(email)
      return { r, ms: performance.now() - started }
    }
    const known = await timed(person.email)
    assert.deepEqual(known.r, { ok: true, error: null, errors: [] })
    assert.ok(known.ms >= 150, `known answered in ${known.ms} ms`)
    await smtp.waitFor((m) => m.to.includes(person.email))

    const other = randomEmail()
    const hidden = await timed(other)
    assert.deepEqual(hidden.r, { ok: true, error: null, errors: [] })
    assert.ok(hidden.ms >= 150, `unknown answered in ${hidden.ms} ms`)
    await pause(300)
    assert.equal(mailsTo(other).length, 0)
    assert.equal(mailsTo(unknown).length, 0)
  } finally {
    assert.equal((await payload(server, CONFIGURE, { on: true })).ok, true)
  }
})

test('createResetPasswordRequest: the 6th request for one email in 15 minutes is RATE_LIMIT_EXCEEDED (unknown emails too) and changes nothing', async () => {
  const person = await signUpPerson(server)
  for (let i = 0; i < 4; i++) assert.equal((await request(person.email)).ok, true)
  await smtp.waitFor(() => mailsTo(person.email).length === 4)
  const fifth = await requestMail(person.email)
  const sixth = await request(person.email.toUpperCase())
  assert.equal(sixth.error.code, 'RATE_LIMIT_EXCEEDED', 'counted per normalised email')
  assert.deepEqual(sixth.errors, [{ code: 'RATE_LIMIT_EXCEEDED' }])
  await pause(300)
  assert.equal(mailsTo(person.email).length, 5)
  assert.equal(await check(fifth.requestId, fifth.token), 'VALID', 'the refused request retired nothing')

  const unknown = randomEmail()
  for (let i = 0; i < 5; i++) assert.equal((await request(unknown)).error.code, 'PERSON_NOT_FOUND')
  assert.equal((await request(unknown)).error.code, 'RATE_LIMIT_EXCEEDED')

  clock.advance(15 * 60_000 + 1_000)
  assert.equal((await request(unknown)).error.code, 'PERSON_NOT_FOUND', 'a new window')
  await requestMail(person.email)
})

test('createResetPasswordRequest: an email longer than any person\'s (8 000 characters) is PERSON_NOT_FOUND, not an internal error', async () => {
  const email = `${randomBytes(4_000).toString('hex')}@example.com`
  const { status, body } = await server.gql(REQUEST, { token: server.loginToken, variables: { email } })
  assert.equal(status, 200)
  // Such an address never reaches email_rate_limit's index (PostgreSQL would refuse the row).
  assert.equal(body.errors, undefined, JSON.stringify(body.errors))
  assert.equal(body.data.createResetPasswordRequest.error.code, 'PERSON_NOT_FOUND')
})

test('the three operations: only the login token and super admins; a person is refused and nothing is mailed', async () => {
  const caller = await personWithSession(server)
  const target = await signUpPerson(server)
  const refused = [
    [REQUEST, { email: target.email }, /You are not allowed to initialize reset password request/],
    [RESET, { token: randomBytes(20).toString('hex'), password: goodPassword() }, /You are not allowed to reset password/],
    [CHECK, { requestId: randomUUID(), token: randomBytes(20).toString('hex') }, /You are not allowed to reset password/],
  ] as const
  for (const [query, variables, message] of refused) {
    const { body } = await server.gql(query, { token: caller.token, variables })
    assert.match(body.errors?.[0]?.message ?? '', message, JSON.stringify(body))
  }
  await pause(300)
  assert.equal(mailsTo(target.email).length, 0)

  const admin = await personWithSession(server, { roles: ['super_admin'] })
  assert.deepEqual(await request(target.email, { mailVariant: WITH_ID }, admin.token), { ok: true, error: null, errors: [] })
  const mail = await smtp.waitFor((m) => m.to.includes(target.email))
  const requestId = /request=([0-9a-f-]{36})/.exec(mail.html)![1]!
  const token = /token=([0-9a-f]{40})/.exec(mail.html)![1]!
  assert.equal(await payload(server, CHECK, { requestId, token }, admin.token), 'VALID')
  assert.equal((await payload(server, RESET, { token, password: goodPassword() }, admin.token)).ok, true)
})

test('mailProject: only a member of one project without global roles gets that project\'s template; members of several, and holders of any global role, get the global one whatever mailProject says', async () => {
  const orchard = await newProject('Orchard')
  const garden = await newProject('Garden')

  const single = await signUpPerson(server)
  await addMember(orchard.slug, single.identityId)
  const one = await requestMail(single.email, {})
  assert.equal(one.mail.subject, 'Reset for Orchard')
  assert.match(one.mail.html, new RegExp(`${orchard.slug}: ${one.token}`))

  const both = await signUpPerson(server)
  await addMember(orchard.slug, both.identityId)
  await addMember(garden.slug, both.identityId)
  // Garden's admins must not read the token of someone Orchard's admins govern too (the
  // reference lets mailProject pick either project's template: deliberately not followed).
  assert.equal((await requestMail(both.email, {})).mail.subject, 'Reset your password', 'two projects, none named')
  assert.equal((await requestMail(both.email, { mailProject: garden.slug })).mail.subject, 'Reset your password')
  assert.equal((await requestMail(both.email, { mailProject: orchard.slug })).mail.subject, 'Reset your password')
  assert.equal((await requestMail(single.email, { mailProject: garden.slug })).mail.subject, 'Reset your password', 'a hint naming another project')
  assert.equal((await requestMail(single.email, { mailProject: orchard.slug })).mail.subject, 'Reset for Orchard')

  // A project's admin stores its templates; a global role's holder's token must not pass through them.
  for (const role of ['super_admin', 'project_creator', 'project_admin', 'login']) {
    const strong = await signUpPerson(server, { roles: [role] })
    await addMember(orchard.slug, strong.identityId)
    const { mail } = await requestMail(strong.email, { mailProject: orchard.slug })
    assert.equal(mail.subject, 'Reset your password', role)
    assert.doesNotMatch(mail.html, new RegExp(orchard.slug), role)
  }
})
