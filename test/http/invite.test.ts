import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { randomEmail } from '../helpers/fixtures.js'
import { goodPassword, payload, personWithSession, signInAnswer, signUpPerson } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'
import { startSmtpSink } from '../helpers/smtp.js'
import { hashToken } from '../../src/model/tokens.js'

// invite and unmanagedInvite: new and existing persons, the mails (through a real SMTP server),
// the password or token they carry working, and every error code.

const smtp = await startSmtpSink()
const server = await startServer({ env: { ...smtp.env, MAIL_POLL_INTERVAL_MS: '100' } })

const acl = {
  roles: {
    editor: { variables: { language: { type: 'entity', entityName: 'Language' } } },
    inviter: {
      variables: { language: { type: 'entity', entityName: 'Language' } },
      tenant: { invite: { editor: { variables: { language: 'language' } } }, view: { editor: { variables: { language: 'language' } } } },
    },
    reader: {},
  },
}

const ERROR = 'error { code developerMessage membershipValidation { code role variable } } errors { code }'
const INVITE = `mutation($email: String!, $name: String, $slug: String!, $m: [MembershipInput!]!, $options: InviteOptions) {
  invite(email: $email, name: $name, projectSlug: $slug, memberships: $m, options: $options) { ok ${ERROR} result { isNew person { id email name identity { id } } } } }`
const UNMANAGED = `mutation($email: String!, $slug: String!, $m: [MembershipInput!]!, $options: UnmanagedInviteOptions, $password: String) {
  unmanagedInvite(email: $email, projectSlug: $slug, memberships: $m, options: $options, password: $password) { ok ${ERROR} result { isNew person { id email } } } }`
const MEMBERSHIPS = 'query($slug: String!, $id: String!) { projectMemberships(projectSlug: $slug, identityId: $id) { role variables { name values } } }'

const editor = (...values: string[]) => ({ role: 'editor', variables: [{ name: 'language', values }] })

async function newProject(name = 'Garden Club') {
  const slug = `inv_${randomBytes(4).toString('hex')}`
  const r = await payload(server, `mutation($slug: String!, $name: String, $config: Json) {
    createProject(projectSlug: $slug, name: $name, config: $config, options: { noDeployToken: true }) { ok } }`, { slug, name, config: { acl } })
  assert.equal(r.ok, true)
  return slug
}

const invite = (vars: Record<string, unknown>, token?: string) => payload(server, INVITE, vars, token)
const mailTo = (email: string, type?: RegExp) => smtp.waitFor((m) => m.to.includes(email) && (!type || type.test(m.subject)))

test('invite of a new email: person, membership and a NEW_USER_INVITED mail whose password signs in', async () => {
  const slug = await newProject('Garden Club')
  const email = randomEmail()
  const r = await invite({ email, name: 'Ivy', slug, m: [editor('cs')] })
  assert.equal(r.ok, true, JSON.stringify(r))
  assert.equal(r.result.isNew, true)
  assert.equal(r.result.person.email, email)
  assert.equal(r.result.person.name, 'Ivy')
  assert.deepEqual(await payload(server, MEMBERSHIPS, { slug, id: r.result.person.identity.id }), [editor('cs')])

  const mail = await mailTo(email)
  assert.equal(mail.subject, 'Invitation to Garden Club')
  assert.equal(mail.from, 'tenant@example.com')
  // The text part, where HTML escapes (a "/" of the password is &#x2F; in the HTML) are undone.
  const password = /after your first sign-in:\s+(\S+)/.exec(mail.text)?.[1]
  assert.ok(password && password.length === 12, mail.text)
  assert.equal(await signInAnswer(server, email, password!), 'ok')
})

test('invite with RESET_PASSWORD: the mailed token sets the password once (resetPassword), then signs in', async () => {
  const slug = await newProject()
  const email = randomEmail()
  const r = await invite({ email, slug, m: [editor('en')], options: { method: 'RESET_PASSWORD' } })
  assert.equal(r.result.isNew, true)
  assert.equal(r.result.person.name, email.split('@')[0])
  const mail = await mailTo(email)
  const token = /([0-9a-f]{40})/.exec(mail.html)?.[1]
  assert.ok(token, mail.html)
  assert.doesNotMatch(mail.html, /Sign in with this password/)
  assert.equal(await signInAnswer(server, email, 'anything-at-all'), 'NO_PASSWORD_SET')
  await new Promise((r) => setTimeout(r, 1_100)) // the back-off after that failed sign-in

  const password = goodPassword()
  const RESET = 'mutation($token: String!, $password: String!) { resetPassword(token: $token, password: $password) { ok error { code } } }'
  assert.deepEqual(await payload(server, RESET, { token, password }, server.loginToken), { ok: true, error: null })
  assert.equal(await signInAnswer(server, email, password), 'ok')
  assert.equal((await payload(server, RESET, { token, password: goodPassword() }, server.loginToken)).error.code, 'TOKEN_USED')
})

test('invite of an existing person adds them and mails EXISTING_USER_INVITED; nothing about the person changes', async () => {
  const slug = await newProject('Orchard')
  const person = await signUpPerson(server)
  const r = await invite({ email: person.email.toUpperCase(), name: 'Other Name', slug, m: [editor('de')] })
  assert.equal(r.ok, true)
  assert.equal(r.result.isNew, false)
  assert.equal(r.result.person.id, person.personId)
  assert.notEqual(r.result.person.name, 'Other Name')
  const mail = await mailTo(person.email)
  assert.equal(mail.subject, 'Invitation to Orchard')
  assert.match(mail.html, /Sign in as usual/)
  assert.equal(await signInAnswer(server, person.email, person.password!), 'ok', 'the password is still the old one')
})

test('invite: ALREADY_MEMBER for a member (memberships unchanged), with no mail', async () => {
  const slug = await newProject()
  const email = randomEmail()
  const first = await invite({ email, slug, m: [editor('cs')] })
  await mailTo(email)
  const sent = smtp.mails.length
  const again = await invite({ email, slug, m: [editor('de'), { role: 'reader', variables: [] }] })
  assert.equal(again.ok, false)
  assert.equal(again.error.code, 'ALREADY_MEMBER')
  assert.deepEqual(await payload(server, MEMBERSHIPS, { slug, id: first.result.person.identity.id }), [editor('cs')])
  await new Promise((r) => setTimeout(r, 300))
  assert.equal(smtp.mails.length, sent)
})

test('invite: PROJECT_NOT_FOUND, INVALID_MEMBERSHIP (with the old codes listed), INVALID_EMAIL_FORMAT; nothing is written', async () => {
  const slug = await newProject()
  const email = randomEmail()
  const missing = await invite({ email, slug: 'no_such_project', m: [editor('cs')] })
  assert.equal(missing.error.code, 'PROJECT_NOT_FOUND')
  const role = await invite({ email, slug, m: [{ role: 'nope', variables: [] }] })
  assert.equal(role.error.code, 'INVALID_MEMBERSHIP')
  assert.deepEqual(role.error.membershipValidation, [{ code: 'ROLE_NOT_FOUND', role: 'nope', variable: null }])
  assert.deepEqual(role.errors.map((e: { code: string }) => e.code), ['INVALID_MEMBERSHIP', 'ROLE_NOT_FOUND'])
  const variable = await invite({ email, slug, m: [{ role: 'editor', variables: [{ name: 'colour', values: ['red'] }] }] })
  assert.equal(variable.error.code, 'INVALID_MEMBERSHIP')
  // The membership is checked before the address.
  assert.equal((await invite({ email: 'not an email', slug, m: [{ role: 'nope', variables: [] }] })).error.code, 'INVALID_MEMBERSHIP')
  assert.equal((await invite({ email: 'not an email', slug, m: [editor('cs')] })).error.code, 'INVALID_EMAIL_FORMAT')
  const { body } = await server.gql('query($email: String!) { persons(filter: { email: $email }) { id } }', { variables: { email } })
  assert.deepEqual(body.data.persons, [])
})

test('invite: a member with an `invite` rule invites within it only; others are refused, also for unknown projects', async () => {
  const slug = await newProject()
  const inviter = await personWithSession(server)
  assert.equal((await payload(server, `mutation($slug: String!, $id: String!) { addProjectMember(projectSlug: $slug, identityId: $id,
    memberships: [{ role: "inviter", variables: [{ name: "language", values: ["cs"] }] }]) { ok } }`,
  { slug, id: inviter.identityId })).ok, true)

  const email = randomEmail()
  assert.equal((await invite({ email, slug, m: [editor('cs')] }, inviter.token)).ok, true)
  for (const m of [[editor('de')], [{ role: 'reader', variables: [] }]]) {
    const { body } = await server.gql(INVITE, { token: inviter.token, variables: { email: randomEmail(), slug, m } })
    assert.match(body.errors?.[0]?.message ?? '', /You are not allowed to invite a person/, JSON.stringify(m))
  }
  const outsider = await personWithSession(server)
  for (const target of [slug, 'no_such_project']) {
    const { body } = await server.gql(INVITE, { token: outsider.token, variables: { email: randomEmail(), slug: target, m: [editor('cs')] } })
    assert.match(body.errors?.[0]?.message ?? '', /You are not allowed to invite a person/)
  }
  // The inviter's unmanagedInvite rule is absent: refused.
  const { body } = await server.gql(UNMANAGED, { token: inviter.token, variables: { email: randomEmail(), slug, m: [editor('cs')] } })
  assert.match(body.errors?.[0]?.message ?? '', /You are not allowed to unmanaged person invite/)
})

test('invite: the template variant picks the mail; a variant without a template uses the default variant', async () => {
  const slug = await newProject('Bakery')
  const ADD = 'mutation($t: MailTemplate!) { addMailTemplate(template: $t) { ok } }'
  assert.equal((await payload(server, ADD, { t: { projectSlug: slug, type: 'NEW_USER_INVITED', variant: 'cs', subject: 'Pozvánka do {{project}}', content: '<p>Heslo: {{password}}{{token}}</p>', useLayout: false } })).ok, true)
  assert.equal((await payload(server, ADD, { t: { projectSlug: slug, type: 'NEW_USER_INVITED', subject: 'Welcome to {{project}} & co', content: '<p>Password: {{password}}</p>', replyTo: 'help@bakery.example' } })).ok, true)

  const czech = randomEmail()
  await invite({ email: czech, slug, m: [editor('cs')], options: { mailVariant: 'cs' } })
  const cs = await mailTo(czech)
  assert.equal(cs.subject, 'Pozvánka do Bakery')
  assert.match(cs.html, /^<p>Heslo: [^<\s]+<\/p>$/, 'no layout')
  assert.equal(cs.replyTo, null)

  const german = randomEmail()
  await invite({ email: german, slug, m: [editor('de')], options: { mailVariant: 'de' } })
  const de = await mailTo(german)
  assert.equal(de.subject, 'Welcome to Bakery & co', 'the subject is plain text, not HTML-escaped')
  assert.match(de.html, /<!doctype html>[\s\S]*Password: [^<\s]+/, 'in the layout')
  assert.equal(de.replyTo, 'help@bakery.example')
})

test('unmanagedInvite: no mail; the given password works (also the deprecated argument), or the caller\'s own token', async () => {
  const slug = await newProject()
  const before = smtp.mails.length
  const withPassword = randomEmail()
  const password = goodPassword()
  const a = await payload(server, UNMANAGED, { email: withPassword, slug, m: [editor('cs')], options: { password } })
  assert.equal(a.result.isNew, true)
  assert.equal(await signInAnswer(server, withPassword, password), 'ok')

  const deprecated = randomEmail()
  await payload(server, UNMANAGED, { email: deprecated, slug, m: [editor('cs')], password })
  assert.equal(await signInAnswer(server, deprecated, password), 'ok')

  const withToken = randomEmail()
  const token = randomBytes(20).toString('hex')
  await payload(server, UNMANAGED, { email: withToken, slug, m: [editor('cs')], options: { resetTokenHash: hashToken(token) } })
  const chosen = goodPassword()
  const reset = await payload(server, 'mutation($token: String!, $password: String!) { resetPassword(token: $token, password: $password) { ok } }', { token, password: chosen }, server.loginToken)
  assert.equal(reset.ok, true)
  assert.equal(await signInAnswer(server, withToken, chosen), 'ok')

  const { body } = await server.gql(UNMANAGED, { variables: { email: randomEmail(), slug, m: [editor('cs')], options: { resetTokenHash: 'abc' } } })
  assert.match(body.errors[0].message, /Invalid format of resetTokenHash/)
  await new Promise((r) => setTimeout(r, 300))
  assert.equal(smtp.mails.length, before, 'unmanagedInvite sends nothing')
})

test('invite: two invites of one new email at once make one person; the other is ALREADY_MEMBER', async () => {
  const slug = await newProject()
  const email = randomEmail()
  const answers = await Promise.all([1, 2, 3].map(() => invite({ email, slug, m: [editor('cs')] })))
  assert.equal(answers.filter((a) => a.ok).length, 1, JSON.stringify(answers))
  assert.ok(answers.filter((a) => !a.ok).every((a) => a.error.code === 'ALREADY_MEMBER'))
  const { body } = await server.gql('query($email: String!) { persons(filter: { email: $email }) { id } }', { variables: { email } })
  assert.equal(body.data.persons.length, 1)
})
