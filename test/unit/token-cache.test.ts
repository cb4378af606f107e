import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ApiKeyForAuth } from '../../src/db/queries/apiKeys.js'
import { TokenCache } from '../../src/model/auth/tokenCache.js'

// The per-node cache of verified keys, by token hash. Keys are built by hand: the cache only
// reads `identityId` from them, and hands back whatever it was given.

let serial = 0
function key(identityId: string, overrides: Partial<ApiKeyForAuth> = {}): ApiKeyForAuth {
  serial += 1
  return {
    id: `key-${serial}`,
    tokenHash: `hash-${serial}`,
    identityId,
    type: 'permanent',
    expiresAt: null,
    expirationMinutes: null,
    disabledAt: null,
    lastUsedAt: null,
    createdAt: new Date(0),
    roles: [],
    identityDescription: null,
    personId: null,
    personDisabledAt: null,
    trustForwardedClientInfo: false,
    idleTimeout: null,
    maxExpiresAt: null,
    ...overrides,
  }
}

/** Which of `hashes` the cache still answers at `now`. */
const present = (cache: TokenCache, hashes: string[], now = 0) => hashes.filter((h) => cache.get(h, now) !== undefined)

test('TokenCache: get answers what set stored, with the time it was cached and an empty projects map', () => {
  const cache = new TokenCache()
  const k = key('identity-a')
  const stored = cache.set('h1', k, 1000)
  const entry = cache.get('h1', 1000)
  assert.equal(entry, stored)
  assert.equal(entry!.key, k)
  assert.equal(entry!.cachedAt, 1000)
  assert.deepEqual([...entry!.projects], [])
})

test('TokenCache: an unknown hash is undefined', () => {
  const cache = new TokenCache()
  cache.set('h1', key('identity-a'), 0)
  assert.equal(cache.get('h2', 0), undefined)
})

test('TokenCache: set again replaces the entry (new key, new time, projects emptied) and the size stays', () => {
  const cache = new TokenCache()
  const first = cache.set('h1', key('identity-a'), 0)
  first.projects.set('p', 'answer')
  const k2 = key('identity-a', { roles: ['login'] })
  cache.set('h1', k2, 500)
  const entry = cache.get('h1', 500)!
  assert.deepEqual([entry.key, entry.cachedAt, entry.projects.size], [k2, 500, 0])
  assert.equal(cache.size, 1)
})

const ttlCases = [
  { age: 0, cached: true },
  { age: 999, cached: true },
  { age: 1000, cached: false },
  { age: 5000, cached: false },
]
for (const c of ttlCases) {
  test(`TokenCache: with ttl 1000 ms an entry ${c.age} ms old is ${c.cached ? 'answered' : 'gone'}`, () => {
    const cache = new TokenCache(1000)
    cache.set('h1', key('identity-a'), 10_000)
    assert.equal(cache.get('h1', 10_000 + c.age) !== undefined, c.cached)
    assert.equal(cache.size, c.cached ? 1 : 0, 'an expired entry is dropped when asked for')
  })
}

test('TokenCache: the ttl counts from the last set, not the first', () => {
  const cache = new TokenCache(1000)
  cache.set('h1', key('identity-a'), 0)
  cache.set('h1', key('identity-a'), 800)
  assert.notEqual(cache.get('h1', 1500), undefined)
  assert.equal(cache.get('h1', 1800), undefined)
})

test('TokenCache: dropToken drops that token only; an unknown hash is a no-op', () => {
  const cache = new TokenCache()
  cache.set('h1', key('identity-a'), 0)
  cache.set('h2', key('identity-a'), 0)
  cache.dropToken('h1')
  cache.dropToken('nothing')
  assert.deepEqual(present(cache, ['h1', 'h2']), ['h2'])
  assert.equal(cache.size, 1)
})

test('TokenCache: dropIdentity drops every token of that identity and no other', () => {
  const cache = new TokenCache()
  cache.set('a1', key('identity-a'), 0)
  cache.set('a2', key('identity-a', { type: 'session' }), 0)
  cache.set('b1', key('identity-b'), 0)
  cache.set('c1', key('identity-c'), 0)
  cache.dropIdentity('identity-a')
  assert.deepEqual(present(cache, ['a1', 'a2', 'b1', 'c1']), ['b1', 'c1'])
  assert.equal(cache.size, 2)
  cache.dropIdentity('identity-unknown')
  assert.equal(cache.size, 2)
})

test('TokenCache: a token set again for another identity belongs to the new one only', () => {
  const cache = new TokenCache()
  cache.set('h1', key('identity-a'), 0)
  cache.set('h1', key('identity-b'), 0)
  cache.dropIdentity('identity-a')
  assert.deepEqual(present(cache, ['h1']), ['h1'])
  cache.dropIdentity('identity-b')
  assert.deepEqual(present(cache, ['h1']), [])
})

test('TokenCache: dropIdentity still works for tokens cached after an earlier dropToken or dropIdentity', () => {
  const cache = new TokenCache()
  cache.set('a1', key('identity-a'), 0)
  cache.dropToken('a1')
  cache.dropIdentity('identity-a')
  cache.set('a2', key('identity-a'), 0)
  cache.set('a3', key('identity-a'), 0)
  cache.dropIdentity('identity-a')
  assert.equal(cache.size, 0)
})

test('TokenCache: at maxEntries, a new token evicts the oldest one', () => {
  const cache = new TokenCache(60_000, 3)
  for (const h of ['h1', 'h2', 'h3']) cache.set(h, key('identity-a'), 0)
  cache.set('h4', key('identity-b'), 0)
  assert.deepEqual(present(cache, ['h1', 'h2', 'h3', 'h4']), ['h2', 'h3', 'h4'])
  assert.equal(cache.size, 3)
})

test('TokenCache: a token set again counts as the newest, and replacing it at maxEntries evicts nothing', () => {
  const cache = new TokenCache(60_000, 3)
  for (const h of ['h1', 'h2', 'h3']) cache.set(h, key('identity-a'), 0)
  cache.set('h1', key('identity-a'), 1)
  assert.deepEqual(present(cache, ['h1', 'h2', 'h3']), ['h1', 'h2', 'h3'])
  cache.set('h4', key('identity-a'), 2)
  assert.deepEqual(present(cache, ['h1', 'h2', 'h3', 'h4']), ['h1', 'h3', 'h4'])
})

test('TokenCache: an evicted token is forgotten by its identity too', () => {
  const cache = new TokenCache(60_000, 1)
  cache.set('a1', key('identity-a'), 0)
  cache.set('b1', key('identity-b'), 0)
  cache.set('a2', key('identity-a'), 0)
  assert.deepEqual(present(cache, ['a1', 'b1', 'a2']), ['a2'])
  cache.dropIdentity('identity-a')
  assert.equal(cache.size, 0)
})

test('TokenCache: clear drops everything; the cache works afterwards', () => {
  const cache = new TokenCache()
  cache.set('a1', key('identity-a'), 0)
  cache.set('b1', key('identity-b'), 0)
  cache.clear()
  assert.equal(cache.size, 0)
  assert.deepEqual(present(cache, ['a1', 'b1']), [])
  cache.set('a2', key('identity-a'), 0)
  assert.deepEqual(present(cache, ['a2']), ['a2'])
  cache.dropIdentity('identity-a')
  assert.equal(cache.size, 0)
})

test('TokenCache: size counts cached tokens', () => {
  const cache = new TokenCache()
  assert.equal(cache.size, 0)
  cache.set('a1', key('identity-a'), 0)
  cache.set('a2', key('identity-a'), 0)
  cache.set('a1', key('identity-a'), 0)
  assert.equal(cache.size, 2)
  cache.dropToken('a2')
  assert.equal(cache.size, 1)
})
