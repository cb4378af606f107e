import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'
import { checkPassword, compilePattern, MAX_PASSWORD_LENGTH, weakPasswordMessage, type PasswordPolicy, type WeakPasswordReason } from '../../src/model/passwords/policy.js'

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
  checkHibp: false,
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
  // ... a letter with a combining mark that has no composed form is one character too
  { password: 'Aa1' + 'q\u0307'.repeat(4), expected: ['TOO_SHORT'] },
  { password: 'Aa1' + 'q\u0307'.repeat(5), expected: [] },
  // ... and so is a family emoji joined with zero-width joiners
  { password: 'Aa1bc' + '👨‍👩‍👧'.repeat(2), expected: ['TOO_SHORT'] },
  { password: 'Aa1bc' + '👨‍👩‍👧'.repeat(3), expected: [] },

  // at most 512 UTF-16 units; longer is TOO_LONG alone, whatever else the password breaks
  { password: 'Aa1' + 'x'.repeat(509), expected: [] },
  { password: 'Aa1' + 'x'.repeat(510), expected: ['TOO_LONG'] },
  { password: 'a'.repeat(513), expected: ['TOO_LONG'] },
  { password: 'a'.repeat(513), policy: { pattern: '^Z' }, expected: ['TOO_LONG'] },
  { password: 'Aa1' + '😀'.repeat(254) + 'b', expected: [] },
  { password: 'Aa1' + '😀'.repeat(255), expected: ['TOO_LONG'] },
  // ... counted as typed, before composing: 255 decomposed "ö" are 510 units
  { password: 'Aa1' + 'o\u0308'.repeat(255), expected: ['TOO_LONG'] },

  // the pattern is RE2 with search semantics, behaving as JavaScript's RegExp did
  { password: 'Xkcd-Horse9', policy: { pattern: '\\p{Lu}' }, expected: [] },
  { password: 'Ěščřžýáí1', policy: { pattern: '^\\p{Lu}\\p{Ll}+\\d$' }, expected: [] },
  { password: 'xkcd-horse9', policy: { pattern: '\\p{Lu}', requireUppercase: 0 }, expected: ['INVALID_PATTERN'] },
  { password: '12345678', policy: { pattern: '^[0-9]+$', requireUppercase: 0, requireLowercase: 0, checkBlacklist: false }, expected: [] },
  { password: 'Xkcd-Horse9', policy: { pattern: '^[0-9]+$' }, expected: ['INVALID_PATTERN'] },
  { password: 'Xkcd-Horse9', policy: { pattern: '^[A-Za-z0-9]+$' }, expected: ['INVALID_PATTERN'] },
  { password: 'XkcdHorse9', policy: { pattern: '^[A-Za-z0-9]+$' }, expected: [] },
  { password: 'Xkcd-Horse', policy: { pattern: '.{10,}', requireDigit: 0 }, expected: [] },
  { password: 'Xkcd-Hors9', policy: { pattern: '.{11,}' }, expected: ['INVALID_PATTERN'] },
  { password: 'Xkcd-Horse9', policy: { pattern: '\\p{L}{4}-' }, expected: [] },
  // \d is ASCII, as in JavaScript: an Arabic-Indic digit does not match it
  { password: 'Xkcd-Horse٩', policy: { pattern: '\\d', requireDigit: 0 }, expected: ['INVALID_PATTERN'] },
  // matched against the composed form: "ö" typed decomposed is one letter
  { password: 'Passwörd1'.normalize('NFD'), policy: { pattern: '^\\p{L}+\\d$' }, expected: [] },
  // case-sensitive, and ^ $ are the ends of the password
  { password: 'Xkcd-Horse9', policy: { pattern: '^xkcd' }, expected: ['INVALID_PATTERN'] },
  { password: 'Xkcd-Horse9', policy: { pattern: 'Horse$' }, expected: ['INVALID_PATTERN'] },
  // JavaScript's \u escapes still work
  { password: 'Xkcd-Horse9', policy: { pattern: '^[\\u0020-\\u007E]+$' }, expected: [] },
  { password: 'Xkcd-Horse9é', policy: { pattern: '^[\\u0020-\\u007E]+$' }, expected: ['INVALID_PATTERN'] },
  { password: 'Xkcd-Horse9😀', policy: { pattern: '\\u{1F600}' }, expected: [] },
  { password: 'Xkcd-Horse9😀', policy: { pattern: '\\uD83D\\uDE00$' }, expected: [] },
  // a nested quantifier is harmless under RE2 (the backtracking case runs in its own test below)
  { password: 'a'.repeat(40), policy: { pattern: '^(a+)+$', requireUppercase: 0, requireDigit: 0 }, expected: [] },
  { password: 'aaaaaaa!', policy: { pattern: '^(a+)+$', requireUppercase: 0, requireDigit: 0 }, expected: ['INVALID_PATTERN'] },
  // a stored pattern RE2 cannot run (stored before patterns were RE2) refuses every password
  { password: 'Xkcd-Horse9', policy: { pattern: '(?=.*[A-Z])' }, expected: ['INVALID_PATTERN'] },
  { password: 'Xkcd-Horse9', policy: { pattern: '(.)\\1' }, expected: ['INVALID_PATTERN'] },
  { password: 'Xkcd-Horse9', policy: { pattern: '(' }, expected: ['INVALID_PATTERN'] },
]

const shown = (password: string) =>
  password.length > 40 ? `${JSON.stringify([...password.slice(0, 24)].slice(0, 12).join(''))}… (${password.length} units)` : JSON.stringify(password)

for (const c of cases) {
  const policy = { ...defaults, ...c.policy }
  test(`password ${shown(c.password)}${c.policy ? ` under ${JSON.stringify(c.policy)}` : ''} -> ${c.expected.join(', ') || 'accepted'}`, () => {
    assert.deepEqual(checkPassword(c.password, policy), c.expected)
  })
}

test('password policy: every pattern RE2 runs decides as JavaScript\'s RegExp (u flag) did', () => {
  for (const c of cases) {
    const source = c.policy?.pattern
    if (!source || c.password.length > MAX_PASSWORD_LENGTH || compilePattern(source) === null) continue
    const password = c.password.normalize('NFC')
    assert.equal(compilePattern(source)!.test(password), new RegExp(source, 'u').test(password), `${source} on ${shown(password)}`)
  }
})

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

test('password policy: 100,000 characters are TOO_LONG at once, before any other work', () => {
  const password = 'Aa1' + 'x'.repeat(100_000)
  assert.deepEqual(checkPassword(password, { ...defaults, pattern: '^(a+)+$' }), ['TOO_LONG'])
  assert.deepEqual(checkPassword('👍🏽'.repeat(50_000), defaults), ['TOO_LONG'])
  assert.equal(MAX_PASSWORD_LENGTH, 512)
})

// Run in a child process with a deadline: under a backtracking engine this takes hours, and a
// synchronous test blocked in a regular expression would hang the runner rather than fail.
test('password policy: ^(a+)+$ against 40 "a" and "!" is INVALID_PATTERN and finishes (no backtracking)', () => {
  const policyUrl = new URL('../../src/model/passwords/policy.ts', import.meta.url).href
  const policy = { ...defaults, requireUppercase: 0, requireDigit: 0, pattern: '^(a+)+$' }
  const script = `const { checkPassword } = await import(${JSON.stringify(policyUrl)})
    console.log(JSON.stringify(checkPassword(${JSON.stringify('a'.repeat(40) + '!')}, ${JSON.stringify(policy)})))`
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 })
  assert.equal(child.signal, null, 'still matching after 20 s')
  assert.equal(child.status, 0, child.stderr)
  assert.deepEqual(JSON.parse(child.stdout), ['INVALID_PATTERN'])
})

// What `configure` accepts for password.pattern (configInputSchema uses compilePattern).
const patterns: { pattern: string; compiles: boolean }[] = [
  { pattern: '^[A-Za-z0-9]+$', compiles: true },
  { pattern: '\\d', compiles: true },
  { pattern: '\\p{L}', compiles: true },
  { pattern: '\\p{Lu}\\P{Ll}', compiles: true },
  { pattern: '.{8,}', compiles: true },
  { pattern: '^(a+)+$', compiles: true },
  { pattern: '(?<word>\\w+)', compiles: true },
  { pattern: '\\\\u0041', compiles: true },
  { pattern: '\\u0041\\u{1F600}', compiles: true },
  { pattern: '', compiles: true },
  // lookaround and backreferences need backtracking
  { pattern: '(?=.*[A-Z])', compiles: false },
  { pattern: '(?!abc)', compiles: false },
  { pattern: '(?<=a)b', compiles: false },
  { pattern: '(?<!a)b', compiles: false },
  { pattern: '(a)\\1', compiles: false },
  { pattern: '(?<x>a)\\k<x>', compiles: false },
  // JavaScript-only spellings RE2 does not have
  { pattern: '\\p{Letter}', compiles: false },
  { pattern: '\\p{Script=Greek}', compiles: false },
  { pattern: '[^]', compiles: false },
  // a lone surrogate would compile as \x{D83D} and match nothing
  { pattern: '\\uD83D', compiles: false },
  { pattern: '\\u{DE00}', compiles: false },
  // malformed, or beyond RE2's limits
  { pattern: '(', compiles: false },
  { pattern: '[a-', compiles: false },
  { pattern: 'a{1001}', compiles: false },
]

for (const c of patterns) {
  test(`compilePattern(${JSON.stringify(c.pattern)}) ${c.compiles ? 'compiles' : 'is refused'}`, () => {
    assert.equal(compilePattern(c.pattern) !== null, c.compiles)
  })
}

test('compilePattern: a pattern is compiled once, and the oldest are dropped past 100', () => {
  const first = compilePattern('^cached$')
  assert.equal(compilePattern('^cached$'), first)
  for (let i = 0; i < 100; i++) compilePattern(`^filler${i}$`)
  const again = compilePattern('^cached$')
  assert.notEqual(again, first, 'evicted, so compiled anew')
  assert.deepEqual(checkPassword('Xkcd-Horse9', { ...defaults, pattern: '^cached$' }), ['INVALID_PATTERN'])
})

// The developerMessage of TOO_WEAK / PASSWORD_TOO_WEAK: one sentence per reason, as the reference words them.
const messages: { reasons: WeakPasswordReason[]; policy?: Partial<PasswordPolicy>; expected: string }[] = [
  { reasons: ['TOO_SHORT'], expected: 'Password is too short. Minimum length is 8.' },
  { reasons: ['TOO_LONG'], expected: `Password is too long. Maximum length is ${MAX_PASSWORD_LENGTH}.` },
  { reasons: ['MISSING_UPPERCASE'], expected: 'Password must contain at least 1 uppercase letter.' },
  { reasons: ['MISSING_UPPERCASE'], policy: { requireUppercase: 2 }, expected: 'Password must contain at least 2 uppercase letters.' },
  { reasons: ['MISSING_LOWERCASE'], expected: 'Password must contain at least 1 lowercase letter.' },
  { reasons: ['MISSING_DIGIT'], policy: { requireDigit: 3 }, expected: 'Password must contain at least 3 digits.' },
  { reasons: ['MISSING_SPECIAL'], policy: { requireSpecial: 1 }, expected: 'Password must contain at least 1 special character.' },
  { reasons: ['INVALID_PATTERN'], policy: { pattern: '^[a-z]+$' }, expected: 'Password does not match the required pattern: ^[a-z]+$.' },
  { reasons: ['BLACKLISTED'], expected: 'Password is blacklisted.' },
  { reasons: ['COMPROMISED'], expected: 'Password is known from data breaches.' },
  { reasons: ['TOO_SHORT', 'MISSING_DIGIT', 'BLACKLISTED'], policy: { minLength: 10 },
    expected: 'Password is too short. Minimum length is 10. Password must contain at least 1 digit. Password is blacklisted.' },
]

for (const c of messages) {
  test(`weakPasswordMessage(${JSON.stringify(c.reasons)}${c.policy ? `, ${JSON.stringify(c.policy)}` : ''})`, () => {
    assert.equal(weakPasswordMessage(c.reasons, { ...defaults, ...c.policy }), c.expected)
  })
}
