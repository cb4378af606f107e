import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { startServer } from '../helpers/server.js'

// The way a new installation is seeded, with plain fetch as a user's script would do it: the
// first admin (from the environment) signs in with the login token, creates a project with an
// ACL and a permanent API key for an application, and that key then works on its own.

const email = 'admin@example.com'
const password = 'Admin-Password-123'
const server = await startServer({ env: { CONTEMBER_ROOT_EMAIL: email, CONTEMBER_ROOT_PASSWORD: password } })

/** One GraphQL request as any client sends it; answers `data` after checking nothing went wrong. */
async function tenant(token: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${server.url}/tenant`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  })
  const body = await response.json() as { data?: Record<string, any>; errors?: unknown[] }
  assert.equal(response.status, 200, JSON.stringify(body))
  assert.equal(body.errors, undefined, JSON.stringify(body.errors))
  return body.data!
}

test('seed: sign in as the first admin, create a project with an ACL and an API key; the key sees its membership', async () => {
  // 1. The login token signs in the admin person made from CONTEMBER_ROOT_EMAIL / PASSWORD.
  const signIn = (await tenant(server.loginToken,
    'mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { ok error { code } result { token person { email } } } }',
    { email, password })).signIn
  assert.equal(signIn.ok, true, JSON.stringify(signIn.error))
  assert.equal(signIn.result.person.email, email)
  const session: string = signIn.result.token
  assert.match(session, /^[0-9a-f]{40}$/)

  // 2. The session is the admin's: a super admin person.
  const me = (await tenant(session, '{ me { roles permissions { canCreateProject } } }')).me
  assert.deepEqual([...me.roles].sort(), ['person', 'super_admin'])
  assert.equal(me.permissions.canCreateProject, true)

  // 3. A project whose ACL has an editor role limited by language.
  const slug = `seed-${randomBytes(4).toString('hex')}`
  const config = { acl: { roles: { editor: { variables: { language: { type: 'entity', entityName: 'Language' } } } } } }
  const created = (await tenant(session,
    'mutation($slug: String!, $config: Json) { createProject(projectSlug: $slug, name: "Seeded", config: $config) { ok error { code developerMessage } } }',
    { slug, config })).createProject
  assert.deepEqual(created, { ok: true, error: null })
  const project = (await tenant(session, 'query($slug: String!) { projectBySlug(slug: $slug) { name roles { name variables { name } } } }', { slug })).projectBySlug
  assert.equal(project.name, 'Seeded')
  assert.deepEqual(project.roles[0], { name: 'editor', variables: [{ name: 'language' }] })

  // 4. A permanent API key that edits Czech content only.
  const memberships = [{ role: 'editor', variables: [{ name: 'language', values: ['cs'] }] }]
  const key = (await tenant(session,
    'mutation($slug: String!, $memberships: [MembershipInput!]!) { createApiKey(projectSlug: $slug, memberships: $memberships, description: "Seeded app") { ok error { code developerMessage } result { apiKey { id token } } } }',
    { slug, memberships })).createApiKey
  assert.equal(key.ok, true, JSON.stringify(key.error))
  const permanent: string = key.result.apiKey.token
  assert.match(permanent, /^[0-9a-f]{40}$/)

  // 5. The application's token: no global roles, the editor membership with its language.
  const app = (await tenant(permanent, '{ me { roles person { id } projects { project { slug name } memberships { role variables { name values } } } } }')).me
  assert.deepEqual(app, { roles: [], person: null, projects: [{ project: { slug, name: 'Seeded' }, memberships }] })
})
