import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isValidEmail, nameFromEmail, normaliseEmail } from '../../src/model/persons/email.js'

const normalised: { raw: string; expected: string }[] = [
  { raw: 'ada@example.com', expected: 'ada@example.com' },
  { raw: 'Ada@Example.COM', expected: 'ada@example.com' },
  { raw: ' ada@example.com ', expected: 'ada@example.com' },
  { raw: '\tada@example.com\n', expected: 'ada@example.com' },
  { raw: 'a da@exa mple.com', expected: 'a da@exa mple.com' },
  { raw: 'A B@C.CZ', expected: 'a b@c.cz' },
  { raw: '\u00a0ada@example.com\u00a0', expected: 'ada@example.com' },
  { raw: 'ÁDA@EXAMPLE.COM', expected: 'áda@example.com' },
  { raw: '', expected: '' },
  { raw: '   ', expected: '' },
]

for (const c of normalised) {
  test(`normaliseEmail(${JSON.stringify(c.raw)}) -> ${JSON.stringify(c.expected)}`, () => {
    assert.equal(normaliseEmail(c.raw), c.expected)
  })
}

const local64 = 'x'.repeat(64)
/** An address of exactly `length` characters. */
const ofLength = (length: number) => `${'x'.repeat(length - '@example.com'.length)}@example.com`

// `isValidEmail` is given the normalised address; the raw column shows what it says when it is not.
const validity: { email: string; raw: boolean; normalised: boolean }[] = [
  { email: 'ada@example.com', raw: true, normalised: true },
  { email: 'admin@localhost', raw: true, normalised: true },
  { email: 'a.b+c@sub.example.co.uk', raw: true, normalised: true },
  { email: 'a@b', raw: true, normalised: true },
  { email: 'first_last@my-host.example', raw: true, normalised: true },
  { email: `${local64}@example.com`, raw: true, normalised: true },
  { email: 'Ada@Example.com', raw: true, normalised: true },
  { email: '', raw: false, normalised: false },
  { email: 'abc', raw: false, normalised: false },
  { email: 'a@', raw: false, normalised: false },
  { email: '@b.cz', raw: false, normalised: false },
  { email: 'a@b..cz', raw: false, normalised: false },
  { email: 'a@@b.cz', raw: false, normalised: false },
  { email: 'a@b@c.cz', raw: false, normalised: false },
  { email: 'a@.b.cz', raw: false, normalised: false },
  { email: 'a@b.cz.', raw: false, normalised: false },
  { email: 'a@b.c/z', raw: false, normalised: false },
  // whitespace around the address is trimmed away; inside it, it stays invalid (as the reference)
  { email: 'a b@c.cz', raw: false, normalised: false },
  { email: ' ada@example.com', raw: false, normalised: true },
  { email: 'ada@example.com\n', raw: false, normalised: true },
  { email: 'ada@exa mple.com', raw: false, normalised: false },
  // 254 characters is the longest address
  { email: ofLength(254), raw: true, normalised: true },
  { email: ofLength(255), raw: false, normalised: false },
  { email: ofLength(300), raw: false, normalised: false },
]

for (const c of validity) {
  const shown = c.email.length > 40 ? `<${c.email.length} characters>` : JSON.stringify(c.email)
  test(`isValidEmail: ${shown} is ${c.raw ? 'valid' : 'invalid'} as given, ${c.normalised ? 'valid' : 'invalid'} normalised`, () => {
    assert.equal(isValidEmail(c.email), c.raw)
    assert.equal(isValidEmail(normaliseEmail(c.email)), c.normalised)
  })
}

test('isValidEmail: the length limit counts the whole address', () => {
  assert.equal(ofLength(254).length, 254)
  assert.equal(ofLength(255).length, 255)
})

const names: { email: string; name: string }[] = [
  { email: 'ada@example.com', name: 'ada' },
  { email: 'a.b+c@sub.example.co.uk', name: 'a.b+c' },
  { email: 'admin@localhost', name: 'admin' },
  { email: '@example.com', name: '' },
  { email: 'no-at-sign', name: 'no-at-sign' },
  { email: '', name: '' },
]

for (const c of names) {
  test(`nameFromEmail(${JSON.stringify(c.email)}) -> ${JSON.stringify(c.name)}`, () => {
    assert.equal(nameFromEmail(c.email), c.name)
  })
}

test('a person signing up as "  Ada@Example.com " is named "ada"', () => {
  const email = normaliseEmail('  Ada@Example.com ')
  assert.equal(isValidEmail(email), true)
  assert.equal(nameFromEmail(email), 'ada')
})
