import { dictionary } from '@zxcvbn-ts/language-common'

// Password rules set through `configure(config: { password })`, checked on sign-up, password
// change and reset. Pure: every rule is a table-tested function of the password and the policy.

export type WeakPasswordReason =
  | 'TOO_SHORT' | 'MISSING_UPPERCASE' | 'MISSING_LOWERCASE' | 'MISSING_DIGIT' | 'MISSING_SPECIAL'
  | 'INVALID_PATTERN' | 'BLACKLISTED'

export interface PasswordPolicy {
  minLength: number
  /** Minimum count of characters of each class; 0 turns a rule off. */
  requireUppercase: number
  requireLowercase: number
  requireDigit: number
  requireSpecial: number
  /** A regular expression (JavaScript syntax) the password must match, or null. */
  pattern: string | null
  /** Refuse passwords from the list of common passwords. */
  checkBlacklist: boolean
}

// About 49,000 of the most common passwords from public breach corpora, as shipped by the
// zxcvbn-ts project (a maintained package, rather than a copy of the list in our tree).
let common: Set<string> | undefined
const commonPasswords = () => (common ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase())))

const count = (password: string, re: RegExp) => (password.match(re) ?? []).length

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' })

export function checkPassword(raw: string, policy: PasswordPolicy): WeakPasswordReason[] {
  // Composed form, so "ö" typed as o + combining mark is one lower-case letter, not a letter
  // and a "special" character. (Only for checking: the hash is of what the person typed.)
  const password = raw.normalize('NFC')
  const reasons: WeakPasswordReason[] = []
  // Length in user-perceived characters: an emoji with a skin tone counts as one, as a person counts it.
  if ([...graphemes.segment(password)].length < policy.minLength) reasons.push('TOO_SHORT')
  if (count(password, /\p{Lu}/gu) < policy.requireUppercase) reasons.push('MISSING_UPPERCASE')
  if (count(password, /\p{Ll}/gu) < policy.requireLowercase) reasons.push('MISSING_LOWERCASE')
  if (count(password, /\p{Nd}/gu) < policy.requireDigit) reasons.push('MISSING_DIGIT')
  if (count(password, /[^\p{L}\p{M}\p{Nd}]/gu) < policy.requireSpecial) reasons.push('MISSING_SPECIAL')
  if (policy.pattern !== null && !new RegExp(policy.pattern, 'u').test(password)) reasons.push('INVALID_PATTERN')
  if (policy.checkBlacklist && commonPasswords().has(password.toLowerCase())) reasons.push('BLACKLISTED')
  return reasons
}
