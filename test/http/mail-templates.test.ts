import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { payload, personWithSession } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'

// addMailTemplate, removeMailTemplate (and their deprecated project names), mailTemplates: who
// may manage which templates, and every error code of both mutations.

const server = await startServer()

const ADD = `mutation($t: MailTemplate!) { addMailTemplate(template: $t) { ok error { code developerMessage } errors { code } } }`
const ADD_OLD = `mutation($t: MailTemplate!) { addProjectMailTemplate(template: $t) { ok error { code } } }`
const REMOVE = `mutation($i: MailTemplateIdentifier!) { removeMailTemplate(templateIdentifier: $i) { ok error { code developerMessage } errors { code } } }`
const REMOVE_OLD = `mutation($i: MailTemplateIdentifier!) { removeProjectMailTemplate(templateIdentifier: $i) { ok error { code } } }`
const LIST = '{ mailTemplates { projectSlug type variant subject content useLayout replyTo } }'

const reset = (extra: Record<string, unknown> = {}) => ({ type: 'RESET_PASSWORD_REQUEST', subject: 'Reset', content: '<p>{{token}}</p>', ...extra })

async function newProject() {
  const slug = `mt_${randomBytes(4).toString('hex')}`
  const r = await payload(server, 'mutation($slug: String!) { createProject(projectSlug: $slug, options: { noDeployToken: true }) { ok } }', { slug })
  assert.equal(r.ok, true)
  return slug
}

async function projectAdmin(slug: string) {
  const person = await personWithSession(server)
  const r = await payload(server, `mutation($slug: String!, $id: String!) { addProjectMember(projectSlug: $slug, identityId: $id, memberships: [{ role: "admin", variables: [] }]) { ok } }`,
    { slug, id: person.identityId })
  assert.equal(r.ok, true)
  return person
}

const list = async (token = server.rootToken) => {
  const { body } = await server.gql(LIST, { token })
  return body
}

test('a global template is stored, listed, replaced by one with the same type and variant, and removed', async () => {
  const variant = `v${randomBytes(3).toString('hex')}`
  assert.deepEqual(await payload(server, ADD, { t: reset({ variant, replyTo: 'help@example.com' }) }), { ok: true, error: null, errors: [] })
  let mine = (await list()).data.mailTemplates.filter((t: { variant: string }) => t.variant === variant)
  assert.deepEqual(mine, [{ projectSlug: null, type: 'RESET_PASSWORD_REQUEST', variant, subject: 'Reset', content: '<p>{{token}}</p>', useLayout: true, replyTo: 'help@example.com' }])

  assert.equal((await payload(server, ADD, { t: reset({ variant, subject: 'Reset, again', useLayout: false }) })).ok, true)
  mine = (await list()).data.mailTemplates.filter((t: { variant: string }) => t.variant === variant)
  assert.equal(mine.length, 1, 'replaced, not added')
  assert.equal(mine[0].subject, 'Reset, again')
  assert.equal(mine[0].useLayout, false)
  assert.equal(mine[0].replyTo, null)

  assert.deepEqual(await payload(server, REMOVE, { i: { type: 'RESET_PASSWORD_REQUEST', variant } }), { ok: true, error: null, errors: [] })
  assert.equal((await list()).data.mailTemplates.filter((t: { variant: string }) => t.variant === variant).length, 0)
})

test('the default variant is listed as null; the deprecated names do the same', async () => {
  const slug = await newProject()
  assert.equal((await payload(server, ADD_OLD, { t: reset({ projectSlug: slug }) })).ok, true)
  const mine = (await list()).data.mailTemplates.filter((t: { projectSlug: string }) => t.projectSlug === slug)
  assert.deepEqual(mine.map((t: { variant: unknown }) => t.variant), [null])
  assert.equal((await payload(server, REMOVE_OLD, { i: { projectSlug: slug, type: 'RESET_PASSWORD_REQUEST' } })).ok, true)
  assert.equal((await payload(server, REMOVE_OLD, { i: { projectSlug: slug, type: 'RESET_PASSWORD_REQUEST' } })).error.code, 'TEMPLATE_NOT_FOUND')
})

test('removeMailTemplate: TEMPLATE_NOT_FOUND for a template that is not there; PROJECT_NOT_FOUND for an unknown project', async () => {
  const missing = await payload(server, REMOVE, { i: { type: 'EMAIL_VERIFICATION', variant: 'nowhere' } })
  assert.deepEqual(missing, { ok: false, error: { code: 'TEMPLATE_NOT_FOUND', developerMessage: 'Mail template not found' }, errors: [{ code: 'TEMPLATE_NOT_FOUND' }] })
  const project = await payload(server, REMOVE, { i: { projectSlug: 'no_such_project', type: 'EMAIL_VERIFICATION' } })
  assert.equal(project.error.code, 'PROJECT_NOT_FOUND')
})

test('addMailTemplate: PROJECT_NOT_FOUND, INVALID_REPLY_EMAIL_FORMAT, MISSING_VARIABLE; nothing stored for any of them', async () => {
  const before = JSON.stringify((await list()).data.mailTemplates)
  const cases: [Record<string, unknown>, string][] = [
    [reset({ projectSlug: 'no_such_project' }), 'PROJECT_NOT_FOUND'],
    [reset({ replyTo: 'not an address' }), 'INVALID_REPLY_EMAIL_FORMAT'],
    [reset({ replyTo: ' spaced@example.com ' }), 'INVALID_REPLY_EMAIL_FORMAT'],
    [reset({ content: '<p>Hello {{email}}</p>' }), 'MISSING_VARIABLE'],
    // A variable inside a section still shows; a section alone does not.
    [reset({ content: '{{#token}}you have a token{{/token}}' }), 'MISSING_VARIABLE'],
    [{ type: 'NEW_USER_INVITED', subject: 'Hi', content: 'Welcome to {{project}}' }, 'MISSING_VARIABLE'],
    [{ type: 'EMAIL_VERIFICATION', subject: 'Verify', content: 'Hello' }, 'MISSING_VARIABLE'],
    [{ type: 'EMAIL_CHANGE_VERIFY', subject: 'Verify', content: 'Hello' }, 'MISSING_VARIABLE'],
    [{ type: 'PASSWORDLESS_SIGN_IN', subject: 'Sign in', content: 'Hello' }, 'MISSING_VARIABLE'],
    [{ type: 'EMAIL_OTP', subject: 'Code', content: 'Hello' }, 'MISSING_VARIABLE'],
  ]
  for (const [t, code] of cases) {
    const r = await payload(server, ADD, { t })
    assert.equal(r.ok, false, JSON.stringify(t))
    assert.equal(r.error.code, code, JSON.stringify(t))
    assert.deepEqual(r.errors, [{ code }])
  }
  const missing = await payload(server, ADD, { t: reset({ content: 'nothing' }) })
  assert.match(missing.error.developerMessage, /\{\{token\}\}/)
  assert.equal(JSON.stringify((await list()).data.mailTemplates), before)
})

test('addMailTemplate: either variable of a group will do, in the subject too; types without needs take anything', async () => {
  const variant = `ok${randomBytes(3).toString('hex')}`
  for (const t of [
    { type: 'NEW_USER_INVITED', subject: 'Hi', content: 'Your password: {{password}}' },
    { type: 'NEW_USER_INVITED', subject: 'Hi', content: 'Set a password with {{{token}}}' },
    { type: 'PASSWORDLESS_SIGN_IN', subject: 'Sign in', content: '<a href="{{url}}">here</a>' },
    { type: 'RESET_PASSWORD_REQUEST', subject: 'Your code: {{token}}', content: 'See the subject' },
    { type: 'EXISTING_USER_INVITED', subject: 'Hi', content: 'Welcome back' },
    { type: 'EMAIL_CHANGE_NOTIFY', subject: 'Changed', content: 'Nothing needed' },
  ]) {
    const r = await payload(server, ADD, { t: { ...t, variant } })
    assert.equal(r.ok, true, `${JSON.stringify(t)}: ${JSON.stringify(r)}`)
  }
})

test('addMailTemplate: a template mustache cannot parse is a user input error; a long HTML template is fine', async () => {
  const { body } = await server.gql(ADD, { variables: { t: reset({ content: '{{#token}}unclosed' }) } })
  assert.equal(body.data.addMailTemplate, null)
  assert.match(body.errors[0].message, /not a valid Mustache template/)

  const long = `<div>${'x'.repeat(100_000)}</div>{{token}}`
  assert.equal((await payload(server, ADD, { t: reset({ variant: 'long', content: long }) })).ok, true)
  const { body: tooLong } = await server.gql(ADD, { variables: { t: reset({ variant: 'long', content: 'x'.repeat(262_145) }) } })
  assert.match(tooLong.errors[0].message, /longer than 262144/)
  const { body: longSubject } = await server.gql(ADD, { variables: { t: reset({ subject: 'x'.repeat(16_385) }) } })
  assert.match(longSubject.errors[0].message, /subject is longer than 16384/)
})

test('a project admin manages and lists its own project\'s templates only; others are refused', async () => {
  const slug = await newProject()
  const other = await newProject()
  const admin = await projectAdmin(slug)
  assert.equal((await payload(server, ADD, { t: reset({ projectSlug: slug }) }, admin.token)).ok, true)
  assert.equal((await payload(server, ADD, { t: reset({ projectSlug: other }) }, server.rootToken)).ok, true)

  const listed = await list(admin.token)
  assert.deepEqual(listed.data.mailTemplates.map((t: { projectSlug: string }) => t.projectSlug), [slug], 'its project only, no global ones')

  // Another project's, a global one, an unknown project: all refused as forbidden (no slug is revealed).
  for (const t of [reset({ projectSlug: other }), reset(), reset({ projectSlug: 'no_such_project' })]) {
    const { body } = await server.gql(ADD, { token: admin.token, variables: { t } })
    assert.equal(body.data.addMailTemplate, null, JSON.stringify(t))
    assert.match(body.errors[0].message, /You are not allowed to add a mail template/)
  }
  const { body: removeOther } = await server.gql(REMOVE, { token: admin.token, variables: { i: { projectSlug: other, type: 'RESET_PASSWORD_REQUEST' } } })
  assert.match(removeOther.errors[0].message, /not allowed/)
  assert.equal((await payload(server, REMOVE, { i: { projectSlug: slug, type: 'RESET_PASSWORD_REQUEST' } }, admin.token)).ok, true)

  const nobody = await personWithSession(server)
  const { body: denied } = await server.gql(LIST, { token: nobody.token })
  assert.equal(denied.data, null)
  assert.match(denied.errors[0].message, /You are not allowed to list mail templates/)
  const { body: loginDenied } = await server.gql(ADD, { token: server.loginToken, variables: { t: reset() } })
  assert.match(loginDenied.errors[0].message, /not allowed/)
})
