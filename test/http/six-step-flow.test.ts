import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, test } from 'node:test'
import { createContentService } from '../../examples/content-service/server.js'
import { startServer } from '../helpers/server.js'

// The seed's six steps, over HTTP, exactly as a user walks them: the login token -> signIn ->
// a session token -> createApiKey -> a permanent token -> a request to another service (the
// example content service), which verifies it through POST /introspect.

const server = await startServer({ env: { CONTEMBER_ROOT_EMAIL: 'admin@example.com', CONTEMBER_ROOT_PASSWORD: 'Admin-Password-123' } })

async function graphql(token: string, query: string, variables?: Record<string, unknown>) {
  const res = await fetch(`${server.url}/tenant`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }),
  })
  assert.equal(res.status, 200)
  const body = await res.json()
  assert.equal(body.errors, undefined, JSON.stringify(body.errors))
  return body.data
}

// The operator gives the content service a token that may introspect.
const introspector = (await graphql(server.rootToken, 'mutation { createGlobalApiKey(description: "content service", roles: ["introspector"]) { result { apiKey { token } } } }'))
  .createGlobalApiKey.result.apiKey.token as string
const content = createContentService({ tenantUrl: server.url, introspectionToken: introspector, project: 'blog' })
await new Promise<void>((resolve) => content.listen(0, '127.0.0.1', resolve))
after(() => new Promise<void>((resolve) => content.close(() => resolve())))
const contentUrl = `http://127.0.0.1:${(content.address() as AddressInfo).port}/articles`
const articles = (token?: string) => fetch(contentUrl, { headers: token ? { authorization: `Bearer ${token}` } : {} })

test('six steps: login token -> session -> permanent key -> the content service serves only its language; disabling stops it', async () => {
  // 1. The login token (printed at first start, or CONTEMBER_LOGIN_TOKEN).
  const login = server.loginToken
  // 2. Sign in.
  const signIn = (await graphql(login, 'mutation { signIn(email: "admin@example.com", password: "Admin-Password-123") { ok result { token } } }')).signIn
  assert.equal(signIn.ok, true)
  // 3. The session token acts as the person (a super admin here), who sets up a project.
  const session = signIn.result.token as string
  const config = { acl: { roles: { editor: { variables: { language: { type: 'entity', entityName: 'Language' } } } } } }
  assert.equal((await graphql(session, 'mutation ($config: Json) { createProject(projectSlug: "blog", config: $config, options: { noDeployToken: true }) { ok } }', { config })).createProject.ok, true)
  // 4. An API key for an application, with an editor membership for Czech.
  const created = (await graphql(session, `mutation { createApiKey(projectSlug: "blog", description: "web", memberships: [{ role: "editor", variables: [{ name: "language", values: ["cs"] }] }]) {
    ok result { apiKey { id token } } } }`)).createApiKey
  assert.equal(created.ok, true)
  // 5. The permanent token.
  const permanent = created.result.apiKey.token as string
  assert.match(permanent, /^[0-9a-f]{40}$/)
  // 6. Used against another service: it sees only the Czech articles.
  const res = await articles(permanent)
  assert.equal(res.status, 200)
  assert.deepEqual((await res.json()).articles.map((a: { language: string }) => a.language), ['cs', 'cs'])

  // Revocation: the very next request is refused.
  assert.equal((await graphql(session, 'mutation ($id: String!) { disableApiKey(id: $id) { ok } }', { id: created.result.apiKey.id })).disableApiKey.ok, true)
  assert.equal((await articles(permanent)).status, 401)
})

test('six steps: the content service refuses requests without a token, and tokens without a membership in its project', async () => {
  assert.equal((await articles()).status, 401)
  assert.equal((await articles('0'.repeat(40))).status, 401)
  // The root token is valid but holds no membership in "blog".
  const res = await articles(server.rootToken)
  assert.equal(res.status, 403)
})
