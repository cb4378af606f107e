import { dictionary } from '@zxcvbn-ts/language-common'
import { RE2JS } from 're2js'

// Password rules set through `configure(config: { password })`, checked on sign-up, password
// change and reset. Pure: every rule is a table-tested function of the password and the policy.

export type WeakPasswordReason =
  | 'TOO_SHORT' | 'TOO_LONG' | 'MISSING_UPPERCASE' | 'MISSING_LOWERCASE' | 'MISSING_DIGIT' | 'MISSING_SPECIAL'
  | 'INVALID_PATTERN' | 'BLACKLISTED' | 'COMPROMISED'

/**
 * The longest password accepted, in UTF-16 code units (`password.length`). NIST SP 800-63B asks
 * verifiers to accept at least 64 characters; far more than that only buys an attacker CPU time,
 * since every rule below and the hash work on the whole password.
 */
export const MAX_PASSWORD_LENGTH = 512

export interface PasswordPolicy {
  minLength: number
  /** Minimum count of characters of each class; 0 turns a rule off. */
  requireUppercase: number
  requireLowercase: number
  requireDigit: number
  requireSpecial: number
  /** A regular expression (RE2 syntax, see compilePattern) the password must match, or null. */
  pattern: string | null
  /** Refuse passwords from the list of common passwords. */
  checkBlacklist: boolean
  /** Refuse passwords Have I Been Pwned knows from breaches (model/passwords/hibp.ts). */
  checkHibp: boolean
}

// About 49,000 of the most common passwords from public breach corpora, as shipped by the
// zxcvbn-ts project (a maintained package, rather than a copy of the list in our tree).
let common: Set<string> | undefined
const commonPasswords = () => (common ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase())))

const count = (password: string, re: RegExp) => (password.match(re) ?? []).length

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' })

/**
 * Whether the password has at least `min` user-perceived characters. In V8 each step of the
 * segmenter costs time in proportion to the whole string, so segmenting is quadratic, and
 * spreading it into an array ran the process out of memory on a 100,000-character password.
 * Hence: only on input within MAX_PASSWORD_LENGTH, and stop as soon as `min` is reached.
 */
function hasGraphemes(password: string, min: number): boolean {
  if (min <= 0) return true
  let seen = 0
  for (const _ of graphemes.segment(password)) if (++seen >= min) return true
  return false
}

// JavaScript's \uXXXX and \u{…} escapes, which RE2 spells \x{…}. Each match consumes a whole
// escape, so an escaped backslash before a "u" ("\\u0041") is passed through, not translated.
const escapes = /\\(?:u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|u\{([0-9a-fA-F]{1,6})\}|[^])/g
const isSurrogate = (code: number) => code >= 0xd800 && code <= 0xdfff

function re2Source(source: string): string {
  return source.replace(escapes, (all, high?: string, low?: string, four?: string, braced?: string) => {
    if (high && low) {
      const code = 0x10000 + ((parseInt(high, 16) - 0xd800) << 10) + (parseInt(low, 16) - 0xdc00)
      return `\\x{${code.toString(16)}}`
    }
    const hex = four ?? braced
    // A lone surrogate stays a \u escape, which RE2 refuses: as \x{D83D} it would compile and
    // silently match nothing.
    if (hex === undefined || isSurrogate(parseInt(hex, 16))) return all
    return `\\x{${hex}}`
  })
}

// Compiled patterns by source. Bounded: `configure` compiles whatever an admin sends to check it,
// and the tenant uses one pattern at a time, so oldest-first eviction is enough.
const MAX_CACHED_PATTERNS = 100
const compiled = new Map<string, RE2JS | null>()

/**
 * `password.pattern` compiled for RE2 (linear-time matching: no lookaround, no backreferences),
 * or null when RE2 cannot run it. With a JavaScript (backtracking) RegExp, `^(a+)+$` against
 * 40 "a" and a "!" takes about 2^40 steps and blocks the event loop. The syntax is RE2's plus
 * JavaScript's \u escapes, so patterns written for the reference keep working. As JavaScript did
 * (flag `u`), matching is case-sensitive, `^` `$` are the ends of the password, `\d` `\w` `\b` are
 * ASCII and `\p{Lu}` classes are Unicode. (But RE2's `\s` is ASCII only, and its `.` also matches
 * \r, U+2028 and U+2029.)
 */
export function compilePattern(source: string): RE2JS | null {
  const cached = compiled.get(source)
  if (cached !== undefined) return cached
  let pattern: RE2JS | null
  try {
    pattern = RE2JS.compile(re2Source(source))
  } catch {
    pattern = null
  }
  if (compiled.size >= MAX_CACHED_PATTERNS) compiled.delete(compiled.keys().next().value!)
  compiled.set(source, pattern)
  return pattern
}

/** Search semantics, as JavaScript's `RegExp.test`: the pattern may match anywhere. Fails closed. */
function matchesPattern(password: string, source: string): boolean {
  // Null for a pattern stored before patterns were RE2: no password can satisfy a rule we cannot run.
  const pattern = compilePattern(source)
  if (pattern === null) return false
  try {
    return pattern.test(password)
  } catch {
    return false
  }
}

export function checkPassword(raw: string, policy: PasswordPolicy): WeakPasswordReason[] {
  // First and alone: nothing below (normalising, segmenting, matching, the hash after) should
  // ever see an arbitrarily long input.
  if (raw.length > MAX_PASSWORD_LENGTH) return ['TOO_LONG']
  // Composed form, so "ö" typed as o + combining mark is one lower-case letter, not a letter
  // and a "special" character. (Only for checking: the hash is of what the person typed.)
  const password = raw.normalize('NFC')
  const reasons: WeakPasswordReason[] = []
  // Length in user-perceived characters: an emoji with a skin tone counts as one, as a person counts it.
  if (!hasGraphemes(password, policy.minLength)) reasons.push('TOO_SHORT')
  if (count(password, /\p{Lu}/gu) < policy.requireUppercase) reasons.push('MISSING_UPPERCASE')
  if (count(password, /\p{Ll}/gu) < policy.requireLowercase) reasons.push('MISSING_LOWERCASE')
  if (count(password, /\p{Nd}/gu) < policy.requireDigit) reasons.push('MISSING_DIGIT')
  if (count(password, /[^\p{L}\p{M}\p{Nd}]/gu) < policy.requireSpecial) reasons.push('MISSING_SPECIAL')
  if (policy.pattern !== null && !matchesPattern(password, policy.pattern)) reasons.push('INVALID_PATTERN')
  if (policy.checkBlacklist && commonPasswords().has(password.toLowerCase())) reasons.push('BLACKLISTED')
  return reasons
}

const plural = (n: number, word: string) => `${n} ${word}${n > 1 ? 's' : ''}`

/**
 * The developerMessage of a weak password: one sentence per broken rule, in the order of
 * `reasons`, worded as the reference words them (clients show them to people).
 */
export function weakPasswordMessage(reasons: readonly WeakPasswordReason[], policy: PasswordPolicy): string {
  const sentence: Record<WeakPasswordReason, () => string> = {
    TOO_SHORT: () => `Password is too short. Minimum length is ${policy.minLength}.`,
    TOO_LONG: () => `Password is too long. Maximum length is ${MAX_PASSWORD_LENGTH}.`,
    MISSING_UPPERCASE: () => `Password must contain at least ${plural(policy.requireUppercase, 'uppercase letter')}.`,
    MISSING_LOWERCASE: () => `Password must contain at least ${plural(policy.requireLowercase, 'lowercase letter')}.`,
    MISSING_DIGIT: () => `Password must contain at least ${plural(policy.requireDigit, 'digit')}.`,
    MISSING_SPECIAL: () => `Password must contain at least ${plural(policy.requireSpecial, 'special character')}.`,
    INVALID_PATTERN: () => `Password does not match the required pattern: ${policy.pattern}.`,
    BLACKLISTED: () => 'Password is blacklisted.',
    COMPROMISED: () => 'Password is known from data breaches.',
  }
  return reasons.map((reason) => sentence[reason]()).join(' ')
}
