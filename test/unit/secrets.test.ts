import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { createSecretBox, generateKey, keyIdOf, parseKey } from '../../src/model/secrets.js'

const oldKey = Buffer.alloc(32, 1)
const newKey = Buffer.alloc(32, 2)
const context = 'otp:3f1c0f3e-0000-4000-8000-000000000001'

/** Replaces part `index` of a sealed value (v1.<key id>.<iv>.<tag>.<body>). */
const withPart = (sealed: string, index: number, change: (bytes: Buffer) => Buffer) => {
  const parts = sealed.split('.')
  parts[index] = change(Buffer.from(parts[index]!, 'base64url')).toString('base64url')
  return parts.join('.')
}
const flipFirstBit = (bytes: Buffer) => {
  const copy = Buffer.from(bytes)
  copy[0] = copy[0]! ^ 1
  return copy
}

for (const plain of ['JBSWY3DPEHPK3PXP', '', 'ěščř 😀 secret', 'x'.repeat(10_000)]) {
  test(`secrets: ${plain.length > 40 ? `a ${plain.length}-character value` : JSON.stringify(plain)} decrypts to itself`, () => {
    const box = createSecretBox(newKey)
    assert.equal(box.decrypt(box.encrypt(plain, context), context), plain)
  })
}

test('secrets: a sealed value is v1.<key id>.<iv>.<tag>.<body> and names the key that made it', () => {
  const box = createSecretBox(newKey)
  const parts = box.encrypt('JBSWY3DPEHPK3PXP', context).split('.')
  assert.equal(parts.length, 5)
  assert.equal(parts[0], 'v1')
  assert.equal(parts[1], box.keyId)
  assert.equal(Buffer.from(parts[2]!, 'base64url').length, 12)
  assert.equal(Buffer.from(parts[3]!, 'base64url').length, 16)
})

test('secrets: the same value sealed twice differs (random IV) and does not show the plaintext', () => {
  const box = createSecretBox(newKey)
  const plain = 'JBSWY3DPEHPK3PXP'
  const a = box.encrypt(plain, context)
  const b = box.encrypt(plain, context)
  assert.notEqual(a, b)
  assert.notEqual(a.split('.')[2], b.split('.')[2])
  for (const sealed of [a, b]) {
    assert.ok(!sealed.includes(plain))
    assert.ok(!sealed.includes(Buffer.from(plain).toString('base64url')))
  }
})

test('secrets: a value sealed for one context does not decrypt in another', () => {
  const box = createSecretBox(newKey)
  const sealed = box.encrypt('JBSWY3DPEHPK3PXP', 'otp:person-a')
  assert.throws(() => box.decrypt(sealed, 'otp:person-b'))
  assert.throws(() => box.decrypt(sealed, ''))
  assert.equal(box.decrypt(sealed, 'otp:person-a'), 'JBSWY3DPEHPK3PXP')
})

const tampering: { part: string; change: (sealed: string) => string }[] = [
  { part: 'body', change: (s) => withPart(s, 4, flipFirstBit) },
  { part: 'tag', change: (s) => withPart(s, 3, flipFirstBit) },
  { part: 'iv', change: (s) => withPart(s, 2, flipFirstBit) },
  { part: 'body, one byte longer', change: (s) => withPart(s, 4, (b) => Buffer.concat([b, Buffer.from([0])])) },
  { part: 'body, one byte shorter', change: (s) => withPart(s, 4, (b) => b.subarray(0, -1)) },
  // GCM would verify a shortened tag; a 4-byte one is far easier to forge than 16
  { part: 'tag, cut to 4 bytes', change: (s) => withPart(s, 3, (b) => b.subarray(0, 4)) },
  { part: 'tag, cut to 15 bytes', change: (s) => withPart(s, 3, (b) => b.subarray(0, 15)) },
]

for (const c of tampering) {
  test(`secrets: a sealed value with a changed ${c.part} is refused`, () => {
    const box = createSecretBox(newKey)
    const sealed = box.encrypt('JBSWY3DPEHPK3PXP', context)
    assert.throws(() => box.decrypt(c.change(sealed), context))
  })
}

for (const sealed of ['', 'v1', 'v1.abc', 'v2.a.b.c.d', 'not a secret']) {
  test(`secrets: ${JSON.stringify(sealed)} is not a sealed value`, () => {
    assert.throws(() => createSecretBox(newKey).decrypt(sealed, context), /unknown secret format/)
  })
}

test('secrets: after rotation old values still decrypt and new ones use the new key', () => {
  const before = createSecretBox(oldKey)
  const sealedBefore = before.encrypt('old secret', context)
  const after = createSecretBox(newKey, [oldKey])
  assert.equal(after.keyId, keyIdOf(newKey))
  assert.notEqual(after.keyId, before.keyId)
  assert.equal(after.decrypt(sealedBefore, context), 'old secret')
  const sealedAfter = after.encrypt('new secret', context)
  assert.equal(sealedAfter.split('.')[1], keyIdOf(newKey))
  assert.throws(() => before.decrypt(sealedAfter, context))
})

test('secrets: a value sealed with a key that is not configured names the key id, not the key', () => {
  const sealed = createSecretBox(oldKey).encrypt('old secret', context)
  const id = keyIdOf(oldKey)
  assert.throws(
    () => createSecretBox(newKey).decrypt(sealed, context),
    (e: unknown) => e instanceof Error && e.message.includes(id) && /not configured/.test(e.message)
      && !e.message.includes(oldKey.toString('hex')) && !e.message.includes(oldKey.toString('base64')),
  )
})

test('secrets: a key id is the first 8 hex characters of the key\'s sha256', () => {
  const key = randomBytes(32)
  assert.equal(keyIdOf(key), createHash('sha256').update(key).digest('hex').slice(0, 8))
  assert.match(keyIdOf(key), /^[0-9a-f]{8}$/)
  assert.notEqual(keyIdOf(oldKey), keyIdOf(newKey))
})

const key = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex')
const keys: { name: string; text: string; accepted: boolean }[] = [
  { name: '64 hex characters', text: key.toString('hex'), accepted: true },
  { name: '64 upper-case hex characters', text: key.toString('hex').toUpperCase(), accepted: true },
  { name: '64 hex characters with surrounding whitespace', text: ` ${key.toString('hex')}\n`, accepted: true },
  { name: 'base64 of 32 bytes', text: key.toString('base64'), accepted: true },
  { name: 'base64url of 32 bytes', text: key.toString('base64url'), accepted: true },
  { name: 'empty', text: '', accepted: false },
  { name: '62 hex characters', text: key.toString('hex').slice(0, 62), accepted: false },
  { name: '66 hex characters', text: `${key.toString('hex')}00`, accepted: false },
  { name: '32 hex characters', text: key.toString('hex').slice(0, 32), accepted: false },
  { name: 'base64 of 31 bytes', text: key.subarray(0, 31).toString('base64'), accepted: false },
  { name: 'base64 of 33 bytes', text: Buffer.concat([key, Buffer.from([0])]).toString('base64'), accepted: false },
  { name: 'base64 of 16 bytes', text: key.subarray(0, 16).toString('base64'), accepted: false },
]

for (const c of keys) {
  test(`parseKey: ${c.name} is ${c.accepted ? 'accepted' : 'refused'}`, () => {
    if (c.accepted) assert.deepEqual(parseKey(c.text), key)
    else assert.throws(() => parseKey(c.text), /an encryption key must be 32 bytes/)
  })
}

test('generateKey: 64 hex characters that parseKey accepts, different each time', () => {
  const a = generateKey()
  assert.match(a, /^[0-9a-f]{64}$/)
  assert.equal(parseKey(a).length, 32)
  assert.notEqual(generateKey(), a)
})
