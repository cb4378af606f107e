import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import bcrypt from 'bcryptjs'
import { randomEmail } from '../helpers/fixtures.js'
import { goodPassword, payload, signInAnswer } from '../helpers/persons.js'
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
