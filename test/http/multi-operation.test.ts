import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startServer } from '../helpers/server.js'

// A document of several operations runs the one operationName names, every time: also after
// Mercurius compiled it (it compiles a document run often, and kept one compiled operation per
// query text). A missing or unknown operationName stays a 400.

const server = await startServer()
const DOCUMENT = 'mutation Rename { configure(config: { login: { revealUserExists: true } }) { ok } } query Who { me { id } }'

const run = async (operationName?: string) => {
  const res = await server.fetch('/tenant', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.rootToken}` },
    body: JSON.stringify({ query: DOCUMENT, ...operationName !== undefined ? { operationName } : {} }),
  })
  return { status: res.status, body: await res.json() as { data?: Record<string, unknown> | null; errors?: unknown[] } }
}

test('several operations in one document: each request runs the operation it names, also once compiled', async () => {
  for (let i = 0; i < 5; i++) {
    const renamed = await run('Rename')
    assert.deepEqual(Object.keys(renamed.body.data ?? {}), ['configure'], JSON.stringify(renamed.body))
  }
  for (let i = 0; i < 5; i++) {
    const who = await run('Who')
    assert.deepEqual(Object.keys(who.body.data ?? {}), ['me'], `request ${i + 1}: ${JSON.stringify(who.body)}`)
  }
  for (const name of [undefined, 'Nope']) {
    for (let i = 0; i < 4; i++) {
      const refused = await run(name)
      assert.equal(refused.status, 400, `${name}: ${JSON.stringify(refused.body)}`)
      assert.equal(refused.body.data ?? null, null)
    }
  }
})
