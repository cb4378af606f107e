import assert from 'node:assert/strict'
import { test } from 'node:test'
import * as contember from '@contember/graphql-client-tenant'
import { parse, validate } from 'graphql'
import { startServer } from '../helpers/server.js'

// Steps 2-5 of the seed's flow a second time, through Contember's own typed client for the Tenant
// API (@contember/graphql-client-tenant, generated from the engine's schema), with its generated
// operations unchanged: signIn -> a session token -> createApiKey -> a permanent token -> me. If
// one of its documents does not validate against our schema, or an answer does not have the shape
// its result types promise, our schema is wrong, not the client.

// The package's own typings (dist/types/index.d.ts) re-export './generated/fetchers' and the rest
// without file extensions; in a "type": "module" package TypeScript's NodeNext resolution, which
// this project uses, resolves none of them, so the root import type-checks as having no exports.
// Each generated file does resolve on its own, so the client's values come from the package root
// as any user imports them, typed with the client's own generated declarations, file by file.
const client = contember as unknown as {
  execute: typeof import('../../node_modules/@contember/graphql-client-tenant/dist/types/generated/Async.js').execute
  mutation$: typeof import('../../node_modules/@contember/graphql-client-tenant/dist/types/generated/fetchers/MutationFetcher.js').mutation$
  query$: typeof import('../../node_modules/@contember/graphql-client-tenant/dist/types/generated/fetchers/QueryFetcher.js').query$
  signInResponse$: typeof import('../../node_modules/@contember/graphql-client-tenant/dist/types/generated/fetchers/SignInResponseFetcher.js').signInResponse$
  signInError$: typeof import('../../node_modules/@contember/graphql-client-tenant/dist/types/generated/fetchers/SignInErrorFetcher.js').signInError$
  signInResult$: typeof import('../../node_modules/@contember/graphql-client-tenant/dist/types/generated/fetchers/SignInResultFetcher.js').signInResult$
  person$: typeof import('../../node_modules/@contember/graphql-client-tenant/dist/types/generated/fetchers/PersonFetcher.js').person$
  person$$: typeof import('../../node_modules/@contember/graphql-client-tenant/dist/types/generated/fetchers/PersonFetcher.js').person$$
  createApiKeyResponse$: typeof import('../../node_modules/@contember/graphql-client-tenant/dist/types/generated/fetchers/CreateApiKeyResponseFetcher.js').createApiKeyResponse$
  createApiKeyError$: typeof import('../../node_modules/@contember/graphql-client-tenant/dist/types/generated/fetchers/CreateApiKeyErrorFetcher.js').createApiKeyError$
  createApiKeyResult$: typeof import('../../node_modules/@contember/graphql-client-tenant/dist/types/generated/fetchers/CreateApiKeyResultFetcher.js').createApiKeyResult$
  apiKeyWithToken$: typeof import('../../node_modules/@contember/graphql-client-tenant/dist/types/generated/fetchers/ApiKeyWithTokenFetcher.js').apiKeyWithToken$
  identity$: typeof import('../../node_modules/@contember/graphql-client-tenant/dist/types/generated/fetchers/IdentityFetcher.js').identity$
  identityProjectRelation$: typeof import('../../node_modules/@contember/graphql-client-tenant/dist/types/generated/fetchers/IdentityProjectRelationFetcher.js').identityProjectRelation$
  project$: typeof import('../../node_modules/@contember/graphql-client-tenant/dist/types/generated/fetchers/ProjectFetcher.js').project$
  membership$: typeof import('../../node_modules/@contember/graphql-client-tenant/dist/types/generated/fetchers/MembershipFetcher.js').membership$
  variableEntry$: typeof import('../../node_modules/@contember/graphql-client-tenant/dist/types/generated/fetchers/VariableEntryFetcher.js').variableEntry$
}
type GraphQLExecutor = import('../../node_modules/@contember/graphql-client-tenant/dist/types/generated/Async.js').GraphQLExecutor
const {
  execute, mutation$, query$, signInResponse$, signInError$, signInResult$, person$, person$$, createApiKeyResponse$, createApiKeyError$,
  createApiKeyResult$, apiKeyWithToken$, identity$, identityProjectRelation$, project$, membership$, variableEntry$,
} = client
for (const [name, value] of Object.entries(client)) assert.ok(value, `@contember/graphql-client-tenant exports ${name}`)

const email = 'admin@example.com'
const password = 'Admin-Password-123'
const server = await startServer({ env: { CONTEMBER_ROOT_EMAIL: email, CONTEMBER_ROOT_PASSWORD: password } })

/** What the client sent last and what we answered, for assertion messages. */
const exchanges: { token: string; query: string; variables: object; status: number; body: unknown }[] = []

/** The client's executor over HTTP: POST /tenant with the bearer token, the client's document and variables as they are. */
const executorFor = (token: string): GraphQLExecutor => async (query, variables) => {
  const res = await fetch(`${server.url}/tenant`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  })
  const body = await res.json()
  exchanges.push({ token, query, variables, status: res.status, body })
  assert.equal(res.status, 200, `HTTP ${res.status} for the client's document:\n${query}\nvariables ${JSON.stringify(variables)}\nanswer ${JSON.stringify(body)}`)
  return body
}

/** Runs one of the client's fetchers; a GraphQL error names the document the client sent and our answer. */
async function run<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise
  } catch (e) {
    const last = exchanges.at(-1)
    const errors = (e as { errors?: unknown }).errors
    assert.fail(`the client's operation failed: ${errors ? JSON.stringify(errors) : String(e)}\nsent:\n${last?.query}\nvariables ${JSON.stringify(last?.variables)}\nanswer ${JSON.stringify(last?.body)}`)
  }
}

// The client's generated operations, with the rich selections a schema mismatch would show in.
const signIn = mutation$.signIn(
  signInResponse$.ok
    .error(signInError$.code.developerMessage)
    // person$$: the client's own "all scalar fields of Person" selection.
    .result(signInResult$.token.person(person$$)),
)
const createApiKey = mutation$.createApiKey(
  createApiKeyResponse$.ok
    .error(createApiKeyError$.code.developerMessage)
    .result(createApiKeyResult$.apiKey(apiKeyWithToken$.id.token.identity(identity$.id))),
)
const me = query$.me(
  identity$.id.roles
    .person(person$.email)
    .projects(identityProjectRelation$.project(project$.slug).memberships(membership$.role.variables(variableEntry$.name.values))),
)

/** The document `execute` writes for a fetcher, captured without sending it. */
async function documentOf(fetcher: Parameters<typeof execute>[0]): Promise<string> {
  let document = ''
  await execute(fetcher, { executor: async (query) => { document = query; return { data: {} } } })
  return document
}

test('the client: its generated signIn, createApiKey and me documents validate against the schema we serve', async () => {
  const schema = server.app.server.graphql.schema
  for (const fetcher of [signIn, createApiKey, me] as Parameters<typeof execute>[0][]) {
    const document = await documentOf(fetcher)
    assert.deepEqual(validate(schema, parse(document)).map((e) => e.message), [], document)
  }
})

test('the client: signIn with the login token -> session -> createApiKey -> permanent token -> me shows the membership', async () => {
  // 2. Sign in with the login token, through the client's signIn.
  const signedIn = (await run(execute(signIn, { executor: executorFor(server.loginToken), variables: { email, password } }))).signIn
  assert.ok(signedIn, JSON.stringify(exchanges.at(-1)?.body))
  assert.equal(signedIn.ok, true, JSON.stringify(signedIn.error))
  assert.equal(signedIn.error, undefined) // the client drops nulls from answers
  const result = signedIn.result!
  assert.equal(typeof result.token, 'string')
  assert.match(result.token, /^[0-9a-f]{40}$/)
  assert.equal(typeof result.person.id, 'string')
  assert.equal(result.person.email, email)
  // 3. The session token acts as the admin person.
  const session = result.token
  const admin = (await run(execute(me, { executor: executorFor(session) }))).me
  assert.equal(admin.person?.email, email)
  assert.deepEqual([...admin.roles ?? []].sort(), ['person', 'super_admin'])
  assert.deepEqual(admin.projects, [])

  // Creating the project is not the client's part: root does it over plain GraphQL.
  const project = await server.gql('mutation { createProject(projectSlug: "blog", options: { noDeployToken: true }) { ok } }')
  assert.deepEqual(project.body, { data: { createProject: { ok: true } } })

  // 4. An API key for the project, through the client's createApiKey, with the session token.
  const memberships = [{ role: 'admin', variables: [] }]
  const created = (await run(execute(createApiKey, {
    executor: executorFor(session),
    variables: { projectSlug: 'blog', memberships, description: 'from the Contember client' },
  }))).createApiKey
  assert.ok(created, JSON.stringify(exchanges.at(-1)?.body))
  assert.equal(created.ok, true, JSON.stringify(created.error))
  assert.equal(created.error, undefined)
  const apiKey = created.result!.apiKey
  assert.equal(typeof apiKey.id, 'string')
  assert.equal(typeof apiKey.identity.id, 'string')
  assert.notEqual(apiKey.identity.id, admin.id)
  // 5. The permanent token.
  assert.equal(typeof apiKey.token, 'string')
  const permanent = apiKey.token!
  assert.match(permanent, /^[0-9a-f]{40}$/)

  // The permanent token's me, through the client: the key's own identity, no person, no global
  // roles, and the admin membership in "blog".
  const app = (await run(execute(me, { executor: executorFor(permanent) }))).me
  assert.deepEqual(app, {
    id: apiKey.identity.id,
    roles: [],
    person: undefined, // we answer null; the client turns nulls into undefined
    projects: [{ project: { slug: 'blog' }, memberships: [{ role: 'admin', variables: [] }] }],
  })
  // What we answered on the wire: person null, as the engine does for an API key.
  const raw = exchanges.at(-1)!.body as { data: { me: { person: unknown } } }
  assert.equal(raw.data.me.person, null)
})
