import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import bcrypt from 'bcryptjs'
import { randomEmail } from '../helpers/fixtures.js'
import { goodPassword, payload, personWithSession, signInAnswer, signUpPerson } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'

// Found side by side with Contember 2.0.8: input the reference accepts is accepted here too.

const server = await startServer()

test('POST /tenant/ (a trailing slash) is /tenant', async () => {
  const res = await server.fetch('/tenant/', {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${server.rootToken}` }, body: JSON.stringify({ query: '{ me { id } }' }),
  })
  assert.equal(res.status, 200)
  assert.equal(typeof (await res.json()).data.me.id, 'string')
})

test('signUp with both password and passwordHash: the password is used', async () => {
  const email = randomEmail()
  const password = goodPassword()
  const hash = await bcrypt.hash(goodPassword(), 4)
  const r = await payload(server, 'mutation($e: String!, $p: String, $h: String) { signUp(email: $e, password: $p, passwordHash: $h) { ok } }', { e: email, p: password, h: hash })
  assert.equal(r.ok, true)
  assert.equal(await signInAnswer(server, email, password), 'ok')
})

test('Project.members: any page size', async () => {
  const slug = `compat_${randomBytes(4).toString('hex')}`
  assert.equal((await payload(server, 'mutation($s: String!) { createProject(projectSlug: $s, options: { noDeployToken: true }) { ok } }', { s: slug })).ok, true)
  const members = await payload(server, 'query($s: String!) { projectBySlug(slug: $s) { members(input: { limit: 5000 }) { identity { id } } } }', { s: slug })
  assert.ok(Array.isArray(members.members))
})

test('createGlobalApiKey(roles: ["person"]) is accepted; the key is still no person', async () => {
  const created = await payload(server, 'mutation { createGlobalApiKey(description: "compat", roles: ["person"]) { ok result { apiKey { token } } } }')
  assert.equal(created.ok, true)
  const out = await payload(server, 'mutation { signOut { ok error { code } } }', {}, created.result.apiKey.token)
  assert.deepEqual(out, { ok: false, error: { code: 'NOT_A_PERSON' } })
})

test('personById: a project member who may view another member reads that person (roles hidden); others get null', async () => {
  const slug = `compat_${randomBytes(4).toString('hex')}`
  const acl = { roles: { editor: {}, auditor: { tenant: { view: { editor: true } } } } }
  assert.equal((await payload(server, 'mutation($s: String!, $c: Json) { createProject(projectSlug: $s, config: $c, options: { noDeployToken: true }) { ok } }', { s: slug, c: { acl } })).ok, true)
  const add = async (identityId: string, role: string) =>
    assert.equal((await payload(server, 'mutation($s: String!, $id: String!, $r: String!) { addProjectMember(projectSlug: $s, identityId: $id, memberships: [{ role: $r, variables: [] }]) { ok } }', { s: slug, id: identityId, r: role })).ok, true)
  const auditor = await personWithSession(server)
  await add(auditor.identityId, 'auditor')
  const editor = await signUpPerson(server, { password: null })
  await add(editor.identityId, 'editor')
  const outsider = await signUpPerson(server, { password: null })
  const read = async (id: string) => (await payload(server, 'query($id: String!) { personById(id: $id) { id email identity { roles } } }', { id }, auditor.token))
  assert.deepEqual(await read(editor.personId), { id: editor.personId, email: editor.email, identity: { roles: null } })
  assert.equal(await read(outsider.personId), null)
})

test('messages worded as in 2.0.8: EMAIL_ALREADY_EXISTS names the email as given; PERSON_NOT_FOUND of a reset request names nobody', async () => {
  const email = randomEmail()
  await signUpPerson(server, { email })
  const shouted = email.toUpperCase()
  const again = await payload(server, 'mutation($e: String!, $p: String!) { signUp(email: $e, password: $p) { ok error { code developerMessage } } }', { e: shouted, p: goodPassword() })
  assert.deepEqual(again, { ok: false, error: { code: 'EMAIL_ALREADY_EXISTS', developerMessage: `User with email ${shouted} already exists` } })
  const reset = await payload(server, 'mutation($e: String!) { createResetPasswordRequest(email: $e) { ok error { code developerMessage } } }', { e: randomEmail() }, server.loginToken)
  assert.deepEqual(reset, { ok: false, error: { code: 'PERSON_NOT_FOUND', developerMessage: 'Person was not found.' } })
})

test('a weak password is told rule by rule in developerMessage, as the newest reference does', async () => {
  const weak = await payload(server, 'mutation($e: String!) { signUp(email: $e, password: "abcdefgh") { ok error { code developerMessage weakPasswordReasons } } }', { e: randomEmail() })
  assert.deepEqual(weak, {
    ok: false,
    error: {
      code: 'TOO_WEAK', weakPasswordReasons: ['MISSING_UPPERCASE', 'MISSING_DIGIT'],
      developerMessage: 'Password must contain at least 1 uppercase letter. Password must contain at least 1 digit.',
    },
  })
})
