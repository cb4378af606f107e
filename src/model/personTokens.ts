import type { Deps } from './deps.js'
import { fail, ok, type Result } from './result.js'
import { selectPersonTokenByHash, type PersonTokenRow, type TokenPurpose } from '../db/queries/personTokens.js'
import { selectPersonCredentials, type PersonCredentials } from '../db/queries/persons.js'
import { hashToken } from './tokens.js'

// The one-use tokens mails carry (reset, verification, email change, passwordless) are checked
// the same way wherever they are spent.

export type TokenRefusal = 'TOKEN_USED' | 'TOKEN_EXPIRED' | 'TOKEN_INVALID'

/**
 * Why a found token may not be used now, or null. `personEmail` is the person's address today:
 * a token issued for another address (the person changed it since) no longer works, nor one of
 * a disabled person.
 */
export function tokenRefusal(token: PersonTokenRow, now: Date, person: { email: string | null; disabledAt: Date | null }) {
  if (token.usedAt !== null) return fail('TOKEN_USED', `Token used at ${token.usedAt.toISOString()}`)
  if (token.expiresAt.getTime() <= now.getTime()) return fail('TOKEN_EXPIRED', `Token expired at ${token.expiresAt.toISOString()}`)
  if (person.disabledAt !== null) return fail('TOKEN_INVALID', 'The person is disabled')
  if (token.purpose !== 'email_change' && person.email !== token.email) return fail('TOKEN_INVALID', 'The token was issued for a different e-mail address')
  return null
}

export const tokenNotFound = () => fail('TOKEN_NOT_FOUND', 'Token not found')

/** The token of `purpose` a person was mailed, and the person, when it may be used now. */
export async function usableToken(deps: Deps, purpose: TokenPurpose, token: string):
    Promise<Result<{ token: PersonTokenRow; person: PersonCredentials }, TokenRefusal | 'TOKEN_NOT_FOUND'>> {
  const row = await selectPersonTokenByHash(deps.db, purpose, hashToken(token))
  const person = row ? await selectPersonCredentials(deps.db, { id: row.personId }) : null
  if (!row || !person) return tokenNotFound()
  return tokenRefusal(row, deps.clock.now(), person) ?? ok({ token: row, person })
}
