import assert from 'node:assert/strict'
import { test } from 'node:test'
import { hash as argon2Hash, type Algorithm } from '@node-rs/argon2'
import bcrypt from 'bcryptjs'
import { availableParallelism } from 'node:os'
import {
  HASH_CONCURRENCY, hashesRunning, hashPassword, isSupportedPasswordHash, needsRehash, verifyAgainstDummy, verifyPassword,
} from '../../src/model/passwords/hashing.js'

const password = 'Correct-Horse-9'

test('hashPassword: an argon2id PHC string with m=19456, t=2, p=1', async () => {
  const hashed = await hashPassword(password)
  assert.match(hashed, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/)
})

test('hashPassword: a fresh salt each time', async () => {
  assert.notEqual(await hashPassword(password), await hashPassword(password))
})

test('verifyPassword: the right password matches its argon2id hash, others do not', async () => {
  const hashed = await hashPassword(password)
  assert.equal(await verifyPassword(hashed, password), true)
  assert.equal(await verifyPassword(hashed, 'correct-horse-9'), false)
  assert.equal(await verifyPassword(hashed, `${password} `), false)
  assert.equal(await verifyPassword(hashed, ''), false)
})

test('verifyPassword: unicode passwords are compared exactly', async () => {
  const hashed = await hashPassword('Heslo-ěščř-😀')
  assert.equal(await verifyPassword(hashed, 'Heslo-ěščř-😀'), true)
  assert.equal(await verifyPassword(hashed, 'Heslo-escr-😀'), false)
})

// Contember stores bcrypt; imported persons keep their hash until the next sign-in.
for (const prefix of ['$2b$', '$2a$', '$2y$']) {
  test(`verifyPassword: a bcrypt ${prefix} hash is checked`, async () => {
    const hashed = `${prefix}${(await bcrypt.hash(password, 4)).slice(4)}`
    assert.ok(hashed.startsWith(prefix))
    assert.equal(await verifyPassword(hashed, password), true)
    assert.equal(await verifyPassword(hashed, 'wrong password'), false)
  })
}

test('verifyPassword: an argon2id hash made with other parameters still verifies', async () => {
  const hashed = await argon2Hash(password, { memoryCost: 4096, timeCost: 1 })
  assert.equal(await verifyPassword(hashed, password), true)
  assert.equal(await verifyPassword(hashed, 'wrong password'), false)
})

const corrupt = [
  '',
  'plain text password',
  password,
  '$argon2id$v=19$m=19456,t=2,p=1$garbage',
  '$argon2id$',
  '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$',
  '$2b$04$tooShort',
  '$2b$99$abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQ',
  '$2x$04$abcdefghijklmnopqrstuuR5xEq5N3Mb0xQy3q1pM2m7vGB2kB0Iq',
  '$1$abcdefgh$0123456789abcdefghijkl',
]

for (const stored of corrupt) {
  test(`verifyPassword: stored ${JSON.stringify(stored)} is a failed check, not an error`, async () => {
    assert.equal(await verifyPassword(stored, password), false)
  })
}

test('verifyPassword: a truncated real hash is a failed check', async () => {
  const argon = await hashPassword(password)
  const bcryptHash = await bcrypt.hash(password, 4)
  assert.equal(await verifyPassword(argon.slice(0, -10), password), false)
  assert.equal(await verifyPassword(bcryptHash.slice(0, -10), password), false)
})

test('needsRehash: a fresh hashPassword result is kept', async () => {
  assert.equal(needsRehash(await hashPassword(password)), false)
})

test('needsRehash: a hash with stronger parameters is kept', async () => {
  assert.equal(needsRehash(await argon2Hash(password, { memoryCost: 32_768, timeCost: 3 })), false)
})

// (Algorithm is a const enum this build cannot import: 0 is argon2d, 1 argon2i.)
const weaker: { name: string; make: () => Promise<string> }[] = [
  { name: 'bcrypt $2b$', make: () => bcrypt.hash(password, 4) },
  { name: 'bcrypt $2a$', make: async () => `$2a$${(await bcrypt.hash(password, 4)).slice(4)}` },
  { name: 'argon2id with m=4096, t=1', make: () => argon2Hash(password, { memoryCost: 4096, timeCost: 1 }) },
  { name: 'argon2id with m=4096, t=2', make: () => argon2Hash(password, { memoryCost: 4096, timeCost: 2 }) },
  { name: 'argon2id with m=19456, t=1', make: () => argon2Hash(password, { memoryCost: 19_456, timeCost: 1 }) },
  { name: 'argon2d (not argon2id)', make: () => argon2Hash(password, { memoryCost: 19_456, timeCost: 2, algorithm: 0 as Algorithm }) },
  { name: 'argon2i (not argon2id)', make: () => argon2Hash(password, { memoryCost: 19_456, timeCost: 2, algorithm: 1 as Algorithm }) },
]

for (const c of weaker) {
  test(`needsRehash: ${c.name} is replaced after the next sign-in`, async () => {
    assert.equal(needsRehash(await c.make()), true)
  })
}

// The 53 characters of salt and hash after "$2b$12$".
const B53 = 'abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234'

const supported: { stored: string; supported: boolean }[] = [
  { stored: `$2a$10$${B53}`, supported: true },
  { stored: `$2b$12$${B53}`, supported: true },
  { stored: `$2y$04$${B53}`, supported: true },
  { stored: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA', supported: true },
  { stored: '$argon2i$v=19$m=4096,t=3,p=1$c2FsdA$aGFzaA', supported: true },
  { stored: '$argon2d$v=19$m=4096,t=3,p=1$c2FsdA$aGFzaA', supported: true },
  { stored: `$2x$10$${B53}`, supported: false },
  { stored: `$2$10$${B53}`, supported: false },
  { stored: `$2b$1$${B53}`, supported: false },
  { stored: `2b$10$${B53}`, supported: false },
  { stored: '$1$abcdefgh$0123456789abcdefghijkl', supported: false },
  { stored: '$5$rounds=5000$salt$hash', supported: false },
  { stored: '$scrypt$ln=16,r=8,p=1$c2FsdA$aGFzaA', supported: false },
  { stored: 'argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA', supported: false },
  { stored: '5f4dcc3b5aa765d61d8327deb882cf99', supported: false },
  { stored: password, supported: false },
  { stored: '', supported: false },
  // incomplete: accepted at import, such a person could never sign in
  { stored: '$2b$12$', supported: false },
  { stored: `$2b$12$${B53.slice(0, 22)}`, supported: false },
  { stored: '$argon2garbage', supported: false },
  { stored: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA', supported: false },
]

for (const c of supported) {
  test(`isSupportedPasswordHash(${JSON.stringify(c.stored)}) -> ${c.supported}`, () => {
    assert.equal(isSupportedPasswordHash(c.stored), c.supported)
  })
}

test('verifyAgainstDummy: resolves false, whatever the password', async () => {
  assert.equal(await verifyAgainstDummy(password), false)
  assert.equal(await verifyAgainstDummy(''), false)
  assert.equal(await verifyAgainstDummy('tenant-api dummy password, never matches'), false)
})

test('hashing: at most HASH_CONCURRENCY hashes run at once (one core stays free for requests); every one finishes', async () => {
  let most = 0
  let watching = true
  const watch = (async () => {
    while (watching) {
      most = Math.max(most, hashesRunning())
      await new Promise((r) => setImmediate(r))
    }
  })()
  const passwords = Array.from({ length: 6 }, (_, i) => `concurrent-${i}-password`)
  const hashes = await Promise.all(passwords.map((p) => hashPassword(p)))
  const checks = await Promise.all(hashes.map((h, i) => verifyPassword(h, passwords[i]!)))
  watching = false
  await watch
  assert.deepEqual(checks, passwords.map(() => true))
  assert.ok(most >= 1 && most <= HASH_CONCURRENCY, `at most ${HASH_CONCURRENCY} at once, saw ${most}`)
  assert.equal(HASH_CONCURRENCY, Math.max(1, availableParallelism() - 1))
  assert.equal(hashesRunning(), 0, 'every slot was given back')
})
