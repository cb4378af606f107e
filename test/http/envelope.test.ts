import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { payload, signUpPerson } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'

// Malformed requests as clients and scripts really send them: each is a 400 with the
// reference's shape ({ errors: [{ message }] }), never a 500, and nothing runs.

const server = await startServer()
// Bytes rather than a string, so fetch adds no content type of its own (it would say text/plain).
const post = (body: string, contentType: string | null) => server.fetch('/tenant', {
  method: 'POST',
  headers: { authorization: `Bearer ${server.rootToken}`, ...(contentType ? { 'content-type': contentType } : {}) },
  body: new TextEncoder().encode(body),
})

const cases: { name: string; body: string; type: string | null; status: number; message?: RegExp }[] = [
  { name: 'query that is a number', body: '{"query":42}', type: 'application/json', status: 400, message: /query must be a string/ },
  { name: 'query that is an object', body: '{"query":{"a":1}}', type: 'application/json', status: 400, message: /query must be a string/ },
  { name: 'operationName that is a number', body: '{"query":"{ me { id } }","operationName":5}', type: 'application/json', status: 400, message: /operationName/ },
  { name: 'unknown operationName', body: '{"query":"{ me { id } }","operationName":"Nope"}', type: 'application/json', status: 400 },
  { name: 'variables that are a string', body: '{"query":"{ me { id } }","variables":"x"}', type: 'application/json', status: 400 },
  { name: 'variables that are a number', body: '{"query":"{ me { id } }","variables":5}', type: 'application/json', status: 400 },
  { name: 'variables that are an array', body: '{"query":"{ me { id } }","variables":[1]}', type: 'application/json', status: 400 },
  { name: 'variables that are a boolean', body: '{"query":"{ me { id } }","variables":true}', type: 'application/json', status: 400 },
  { name: 'a JSON number', body: '42', type: 'application/json', status: 400 },
  { name: 'a JSON boolean', body: 'true', type: 'application/json', status: 400 },
  { name: 'a batch (JSON array)', body: '[{"query":"{ me { id } }"}]', type: 'application/json', status: 400 },
  { name: 'a JSON string', body: '"{ me { id } }"', type: 'application/json', status: 400 },
  { name: 'JSON null', body: 'null', type: 'application/json', status: 400 },
  { name: 'a JSON syntax tree instead of GraphQL text', body: JSON.stringify({ query: JSON.stringify({ kind: 'Document', definitions: [{ kind: 'Junk' }] }) }), type: 'application/json', status: 400, message: /not GraphQL text/ },
  { name: 'JSON sent as text/plain (fetch without a content type)', body: '{"query":"{ me { id } }"}', type: 'text/plain;charset=UTF-8', status: 400, message: /^Missing request query$/ },
  { name: 'JSON sent as application/graphql', body: '{"query":"{ me { id } }"}', type: 'application/graphql', status: 400 },
  { name: 'no content type at all', body: '{"query":"{ me { id } }"}', type: null, status: 415 },
]

for (const c of cases) {
  test(`envelope: ${c.name} answers ${c.status} with { errors: [{ message }] }`, async () => {
    const res = await post(c.body, c.type)
    const body = await res.json() as { errors?: { message: string }[]; data?: unknown }
    assert.equal(res.status, c.status, JSON.stringify(body))
    assert.equal(body.data ?? null, null)
    assert.equal(typeof body.errors?.[0]?.message, 'string', JSON.stringify(body))
    if (c.message) assert.match(body.errors![0]!.message, c.message)
    assert.doesNotMatch(JSON.stringify(body), /Internal server error|at .*\.ts:\d+/)
  })
}

test('envelope: a GraphQL query sent as application/graphql is served', async () => {
  const res = await post('{ me { roles } }', 'application/graphql')
  assert.deepEqual(await res.json(), { data: { me: { roles: ['super_admin'] } } })
})

test('signIn: the result describes the person who signed in, whoever asked: their roles and every project of theirs', async () => {
  const person = await signUpPerson(server)
  const slug = `si_${randomBytes(4).toString('hex')}`
  assert.equal((await payload(server, 'mutation($s: String!) { createProject(projectSlug: $s) { ok } }', { s: slug })).ok, true)
  assert.equal((await payload(server, 'mutation($s: String!, $id: String!) { addProjectMember(projectSlug: $s, identityId: $id, memberships: [{ role: "admin", variables: [] }]) { ok } }',
    { s: slug, id: person.identityId })).ok, true)
  const QUERY = 'result { person { identity { roles projects { project { slug } memberships { role } } } } }'
  const signedIn = await payload(server, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { ok ${QUERY} } }`,
    { e: person.email, p: person.password }, server.loginToken)
  const expected = { roles: ['person'], projects: [{ project: { slug }, memberships: [{ role: 'admin' }] }] }
  assert.deepEqual(signedIn.result.person.identity, expected)
  const asAdmin = await payload(server, `mutation($e: String!) { createSessionToken(email: $e) { ok ${QUERY} } }`, { e: person.email })
  assert.deepEqual(asAdmin.result.person.identity, expected)
})

test('envelope over GET: variables that are not a JSON object answer 400; a JSON object works', async () => {
  const get = (variables: string) => server.fetch(`/tenant?query=${encodeURIComponent('query($n: Int) { me { id } persons(limit: $n) { id } }')}&variables=${encodeURIComponent(variables)}`, {
    headers: { authorization: `Bearer ${server.rootToken}` },
  })
  for (const variables of ['5', '[]', 'true', '"x"', 'not json']) {
    const res = await get(variables)
    const body = await res.json() as { errors?: { message: string }[] }
    assert.equal(res.status, 400, `${variables}: ${JSON.stringify(body)}`)
    assert.equal(typeof body.errors?.[0]?.message, 'string')
  }
  const ok = await get('{"n":1}')
  assert.equal(ok.status, 200, await ok.text())
})
