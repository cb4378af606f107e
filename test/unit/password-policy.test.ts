import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checkPassword, type PasswordPolicy, type WeakPasswordReason } from '../../src/model/passwords/policy.js'

// The policy a tenant has before anyone calls `configure` (copied here on purpose: a change of
// the defaults should be a deliberate change of this specification too).
const defaults: PasswordPolicy = {
  minLength: 8,
  requireUppercase: 1,
  requireLowercase: 1,
  requireDigit: 1,
  requireSpecial: 0,
  pattern: null,
  checkBlacklist: true,
}

const cases: { password: string; policy?: Partial<PasswordPolicy>; expected: WeakPasswordReason[] }[] = [
  // accepted under the defaults
  { password: 'Xkcd-Horse9', expected: [] },
  { password: 'Abcdefh1', expected: [] },
  { password: 'Tr0ub4dor&3', expected: [] },

  // each reason alone
  { password: 'Xkcd9hh', expected: ['TOO_SHORT'] },
  { password: 'xkcd-horse9', expected: ['MISSING_UPPERCASE'] },
  { password: 'XKCD-HORSE9', expected: ['MISSING_LOWERCASE'] },
  { password: 'Xkcd-Horse', expected: ['MISSING_DIGIT'] },
  { password: 'XkcdHorse9', policy: { requireSpecial: 1 }, expected: ['MISSING_SPECIAL'] },
  { password: 'Xkcd-Horse9', policy: { requireSpecial: 1 }, expected: [] },
  { password: 'Xkcd-Horse9', policy: { requireSpecial: 2 }, expected: ['MISSING_SPECIAL'] },
  { password: 'Xkcd-Horse-9', policy: { requireSpecial: 2 }, expected: [] },
  { password: 'Xkcd Horse 9', policy: { requireSpecial: 2 }, expected: [] },
  { password: 'XkcdHorse9😀', policy: { requireSpecial: 1 }, expected: [] },
  { password: 'Xkcd-Horse9', policy: { pattern: '^[A-Z]{4}' }, expected: ['INVALID_PATTERN'] },
  { password: 'XKCD-horse9', policy: { pattern: '^[A-Z]{4}', requireLowercase: 1 }, expected: [] },
  { password: 'Xkcd-Horse9', policy: { pattern: '\\d' }, expected: [] },
  { password: 'Xkcd-Horse', policy: { pattern: '\\d', requireDigit: 0 }, expected: ['INVALID_PATTERN'] },

  // the list of common passwords, compared case-insensitively
  { password: 'Password1', expected: ['BLACKLISTED'] },
  { password: 'Qwerty123', expected: ['BLACKLISTED'] },
  { password: 'qwerty123', expected: ['MISSING_UPPERCASE', 'BLACKLISTED'] },
  { password: 'PASSWORD1', expected: ['MISSING_LOWERCASE', 'BLACKLISTED'] },
  { password: 'password', expected: ['MISSING_UPPERCASE', 'MISSING_DIGIT', 'BLACKLISTED'] },
  { password: 'password', policy: { requireUppercase: 0, requireDigit: 0 }, expected: ['BLACKLISTED'] },
  { password: 'Password1', policy: { checkBlacklist: false }, expected: [] },
  { password: 'password', policy: { requireUppercase: 0, requireDigit: 0, checkBlacklist: false }, expected: [] },

  // several reasons at once, in the order the rules are listed
  { password: '', expected: ['TOO_SHORT', 'MISSING_UPPERCASE', 'MISSING_LOWERCASE', 'MISSING_DIGIT'] },
  { password: 'abc', expected: ['TOO_SHORT', 'MISSING_UPPERCASE', 'MISSING_DIGIT'] },
  { password: 'ABCDEFGH', expected: ['MISSING_LOWERCASE', 'MISSING_DIGIT'] },
  {
    password: 'abc',
    policy: { requireSpecial: 1, pattern: '^Z' },
    expected: ['TOO_SHORT', 'MISSING_UPPERCASE', 'MISSING_DIGIT', 'MISSING_SPECIAL', 'INVALID_PATTERN'],
  },
  {
    password: '',
    policy: { requireSpecial: 1, pattern: '.' },
    expected: ['TOO_SHORT', 'MISSING_UPPERCASE', 'MISSING_LOWERCASE', 'MISSING_DIGIT', 'MISSING_SPECIAL', 'INVALID_PATTERN'],
  },

  // counts greater than one
  { password: 'Xkcd-Horse9', policy: { requireDigit: 2 }, expected: ['MISSING_DIGIT'] },
  { password: 'Xkcd-Horse99', policy: { requireDigit: 2 }, expected: [] },
  { password: 'Xkcd-horse9', policy: { requireUppercase: 2 }, expected: ['MISSING_UPPERCASE'] },
  { password: 'XKCD-HORSe9', policy: { requireLowercase: 2 }, expected: ['MISSING_LOWERCASE'] },
  { password: 'XKCD-HORse9', policy: { requireLowercase: 2 }, expected: [] },

  // rules turned off
  { password: 'abcdefgh', policy: { requireUppercase: 0, requireDigit: 0 }, expected: [] },
  { password: 'a', policy: { minLength: 1, requireUppercase: 0, requireDigit: 0 }, expected: [] },
  { password: 'Xkcd-Horse9', policy: { minLength: 12 }, expected: ['TOO_SHORT'] },
  { password: 'Xkcd-Horse99', policy: { minLength: 12 }, expected: [] },

  // letters outside ASCII count as upper and lower case
  { password: 'Ěščřžýáí1', expected: [] },
  { password: 'ěščřžýáí1', expected: ['MISSING_UPPERCASE'] },
  { password: 'ĚŠČŘŽÝÁÍ1', expected: ['MISSING_LOWERCASE'] },
  { password: 'Ωμέγαλος1', expected: [] },

  // length counts characters, not UTF-16 units: an emoji is one
  { password: 'Aa1😀😀😀😀', expected: ['TOO_SHORT'] },
  { password: 'Aa1😀😀😀😀😀', expected: [] },
  { password: 'Aa1bcde', expected: ['TOO_SHORT'] },
  // ... and an emoji with a skin tone is one too, as a person sees it
  { password: 'Aa1👍🏽👍🏽👍🏽', expected: ['TOO_SHORT'] },
  // decomposed accents (o + combining mark) are letters, not special characters
  { password: 'Passwörd1x'.normalize('NFD'), policy: { requireSpecial: 1 }, expected: ['MISSING_SPECIAL'] },
  { password: 'Passwörd1x'.normalize('NFC'), policy: { requireSpecial: 1 }, expected: ['MISSING_SPECIAL'] },
]

for (const c of cases) {
  const policy = { ...defaults, ...c.policy }
  test(`password ${JSON.stringify(c.password)}${c.policy ? ` under ${JSON.stringify(c.policy)}` : ''} -> ${c.expected.join(', ') || 'accepted'}`, () => {
    assert.deepEqual(checkPassword(c.password, policy), c.expected)
  })
}

test('password policy: an emoji is 2 UTF-16 units but counts once', () => {
  const password = 'Aa1😀😀😀😀'
  assert.equal(password.length, 11)
  assert.deepEqual(checkPassword(password, defaults), ['TOO_SHORT'])
})

test('password policy: the blacklist ignores case both ways', () => {
  const loose = { ...defaults, requireUppercase: 0, requireLowercase: 0, requireDigit: 0 }
  for (const password of ['qwerty123', 'QWERTY123', 'QwErTy123'])
    assert.deepEqual(checkPassword(password, loose), ['BLACKLISTED'], password)
})
