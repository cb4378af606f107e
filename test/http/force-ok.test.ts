import assert from 'node:assert/strict'
import { test } from 'node:test'
import { forceOkRequested } from '../../src/http/forceOk.js'
import { startServer } from '../helpers/server.js'

// X-Contember-Force-Ok: clients that cannot read non-200 answers get 200 and the real status in
// X-Contember-Original-Status, as from the reference; nothing changes without the header.

const server = await startServer()

const post = (headers: Record<string, string>, body = '{"query":"{ me { id } }"}', path = '/tenant') =>
  server.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })

test('forceOkRequested: 1, true, on, yes in any case and with spaces; anything else is no', () => {
  const cases: [string | string[] | undefined, boolean][] = [
    ['1', true], ['true', true], ['TRUE', true], [' on ', true], ['Yes', true], [['true', 'false'], true],
    ['0', false], ['false', false], ['off', false], ['no', false], ['', false], ['2', false], [undefined, false], [[], false],
  ]
  for (const [value, requested] of cases) assert.equal(forceOkRequested(value), requested, JSON.stringify(value))
})

test('a 401 becomes 200 with X-Contember-Original-Status: 401 and the same body; without the header, or with false, it stays 401', async () => {
  const plain = await post({})
  assert.equal(plain.status, 401)
  const plainBody = await plain.json()
  for (const value of ['true', '1', 'YES']) {
    const forced = await post({ 'x-contember-force-ok': value })
    assert.equal(forced.status, 200, value)
    assert.equal(forced.headers.get('x-contember-original-status'), '401')
    assert.deepEqual(await forced.json(), plainBody)
  }
  for (const value of ['false', '0']) {
    const kept = await post({ 'x-contember-force-ok': value })
    assert.equal(kept.status, 401, value)
    assert.equal(kept.headers.get('x-contember-original-status'), null)
    await kept.arrayBuffer()
  }
})

test('a 400 (bad query) is forced too; a real 200 gets no original status; other routes are left alone', async () => {
  const auth = { authorization: `Bearer ${server.rootToken}` }
  const bad = await post({ ...auth, 'x-contember-force-ok': 'true' }, '{"query":"{ nope }"}')
  assert.equal(bad.status, 200)
  assert.equal(bad.headers.get('x-contember-original-status'), '400')
  assert.ok((await bad.json()).errors.length > 0)
  const good = await post({ ...auth, 'x-contember-force-ok': 'true' })
  assert.equal(good.status, 200)
  assert.equal(good.headers.get('x-contember-original-status'), null)
  await good.arrayBuffer()
  const introspect = await post({ 'x-contember-force-ok': 'true' }, '{"token":"x"}', '/introspect')
  assert.equal(introspect.status, 401)
  await introspect.arrayBuffer()
})

test('CONTEMBER_HTTP_RESPONSE_STATUS_HEADER=false turns it off', async () => {
  const off = await startServer({ env: { CONTEMBER_HTTP_RESPONSE_STATUS_HEADER: 'false' } })
  const res = await off.fetch('/tenant', { method: 'POST', headers: { 'content-type': 'application/json', 'x-contember-force-ok': 'true' }, body: '{"query":"{ me { id } }"}' })
  assert.equal(res.status, 401)
  await res.arrayBuffer()
})
