import assert from 'node:assert/strict'
import { test } from 'node:test'
import { insertPersonWithToken } from '../helpers/fixtures.js'
import { startServer } from '../helpers/server.js'

const server = await startServer()
const auth = { authorization: `Bearer ${server.rootToken}` }

const send = async (body: string, contentType = 'application/json') => {
  const res = await server.fetch('/tenant', { method: 'POST', headers: { ...auth, 'content-type': contentType }, body })
  const text = await res.text()
  return { status: res.status, text, body: JSON.parse(text) }
}

// No answer to bad input may be a 500, carry a stack trace, or show SQL.
const assertClean = (text: string) => {
  assert.doesNotMatch(text, /\bat [\w.<>]+ \(|node_modules|\.ts:\d+|SELECT |INSERT /)
}

const cases: { name: string; body: string; contentType?: string; status: number; message: RegExp }[] = [
  { name: 'a body that is not JSON', body: 'this is not json', status: 400, message: /not valid JSON/ },
  { name: 'an empty JSON body', body: '', status: 400, message: /empty/i },
  { name: 'JSON without a query', body: '{}', status: 400, message: /^Missing request query$/ },
  { name: 'a JSON array', body: '[1, 2]', status: 400, message: /./ },
  { name: 'variables that are not an object', body: '{"query":"{ me { id } }","variables":5}', status: 400, message: /variables/ },
  { name: 'a GraphQL syntax error', body: '{"query":"{ me { "}', status: 400, message: /^Syntax Error/ },
  { name: 'an unknown field', body: '{"query":"{ me { nope } }"}', status: 400, message: /Cannot query field "nope" on type "Identity"/ },
  { name: 'an unknown operation', body: '{"query":"{ nothingHere }"}', status: 400, message: /Cannot query field "nothingHere" on type "Query"/ },
  { name: 'a variable of the wrong type', body: '{"query":"query ($id: Boolean!) { me { id @include(if: $id) } }","variables":{"id":"yes"}}', status: 400, message: /Boolean/ },
  { name: 'XML', body: '<query/>', contentType: 'application/xml', status: 415, message: /Unsupported Media Type/ },
  { name: 'a body over 1 MiB', body: `{"query":"${'a'.repeat(1024 * 1024)}"}`, status: 413, message: /too large/ },
]

for (const c of cases) {
  test(`bad input: ${c.name} gets ${c.status} with a clear message`, async () => {
    const res = await send(c.body, c.contentType)
    assert.equal(res.status, c.status)
    assert.equal(res.body.errors.length >= 1, true)
    assert.match(res.body.errors[0].message, c.message)
    assertClean(res.text)
  })
}

test('bad input: a validation error has the reference shape, no data key', async () => {
  const res = await send('{"query":"{ me { nope } }"}')
  assert.deepEqual(res.body, { errors: [{ message: 'Cannot query field "nope" on type "Identity".', locations: [{ line: 1, column: 8 }] }] })
})

test('bad input: an unknown route is a JSON 404', async () => {
  const res = await server.fetch('/nope', { headers: auth })
  assert.equal(res.status, 404)
  assert.match((await res.json()).errors[0].message, /not found/)
})

test('internal errors: a failing resolver answers a generic message with the request id, no SQL', async () => {
  // Break the storage under a resolver (not under auth): the person look-up fails.
  const db = server.app.deps.db
  const person = await insertPersonWithToken(db)
  await db.query('ALTER TABLE person RENAME COLUMN name TO name_moved_away')
  try {
    const { status, body } = await server.gql('{ me { id person { id } } }', { token: person.token })
    assert.equal(status, 200)
    assert.equal(body.data.me.person, null)
    const [error] = body.errors
    assert.equal(error.extensions.code, 'INTERNAL_SERVER_ERROR')
    assert.match(error.extensions.requestId, /^[0-9a-f-]{36}$/)
    assert.equal(error.message, `Internal server error (request id ${error.extensions.requestId})`)
    assertClean(JSON.stringify(body))
    assert.doesNotMatch(JSON.stringify(body), /moved_away|does not exist/)
  } finally {
    await db.query('ALTER TABLE person RENAME COLUMN name_moved_away TO name')
  }
})

test('internal errors: a failing token look-up is a 500 with the request id, never a stack', async () => {
  const db = server.app.deps.db
  await db.query('ALTER TABLE api_key RENAME TO api_key_moved_away')
  try {
    // A token this node has not cached yet, so it is looked up in the (broken) storage.
    const res = await server.fetch('/tenant', {
      method: 'POST', headers: { authorization: `Bearer ${'f'.repeat(40)}`, 'content-type': 'application/json' }, body: '{"query":"{ me { id } }"}',
    })
    assert.equal(res.status, 500)
    const text = await res.text()
    const body = JSON.parse(text)
    assert.match(body.errors[0].message, /^Internal server error \(request id [0-9a-f-]{36}\)$/)
    assertClean(text)
    assert.doesNotMatch(text, /api_key/)
  } finally {
    await db.query('ALTER TABLE api_key_moved_away RENAME TO api_key')
  }
})

test('bad input: the server still answers normally afterwards', async () => {
  const { status, body } = await server.gql('{ me { roles } }')
  assert.equal(status, 200)
  assert.deepEqual(body.data.me.roles, ['super_admin'])
})
