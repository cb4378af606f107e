import type { PersonCredentials } from '../../../db/queries/persons.js'
import type { LoginConfig } from '../../config/tenantConfig.js'
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from '../../passwords/hashing.js'
import { MAX_PASSWORD_LENGTH } from '../../passwords/policy.js'
import { concealed, type Refusal } from '../signInSteps.js'

export type PasswordRefusalCode = 'UNKNOWN_EMAIL' | 'NO_PASSWORD_SET' | 'INVALID_PASSWORD' | 'PERSON_DISABLED' | 'INVALID_CREDENTIALS'

/**
 * The password of the person with `email` (null: nobody has it). An unknown email or a person
 * without a password costs a full check against a dummy hash, so the answer's time does not tell
 * which emails exist. Null when the password is right.
 */
export async function checkPassword(person: PersonCredentials | null, email: string, password: string, login: LoginConfig): Promise<Refusal<PasswordRefusalCode> | null> {
  const hide = (code: PasswordRefusalCode, message: string) => concealed(login, code, message)
  // No password this long was ever accepted, so it cannot match; nothing is hashed for it.
  if (password.length > MAX_PASSWORD_LENGTH) {
    return person ? hide('INVALID_PASSWORD', 'Password does not match') : hide('UNKNOWN_EMAIL', `Person with email ${email} not found`)
  }
  if (!person) {
    await verifyAgainstDummy(password)
    return hide('UNKNOWN_EMAIL', `Person with email ${email} not found`)
  }
  if (person.passwordHash === null) {
    await verifyAgainstDummy(password)
    return hide('NO_PASSWORD_SET', 'No password set')
  }
  if (!await verifyPassword(person.passwordHash, password)) return hide('INVALID_PASSWORD', 'Password does not match')
  // Told only to someone who knows the password, so it reveals nothing to a guesser.
  if (person.disabledAt !== null) return { code: 'PERSON_DISABLED', message: 'Person is disabled', raw: 'PERSON_DISABLED' }
  return null
}

/** A new hash of the (right) password when the stored one is of an older kind or cost (a bcrypt import, say); else null. */
export async function rehashedPassword(person: PersonCredentials, password: string): Promise<string | null> {
  return person.passwordHash !== null && needsRehash(person.passwordHash) ? hashPassword(password) : null
}
