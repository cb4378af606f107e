import type { Deps } from '../deps.js'
import type { Principal } from '../auth/authenticate.js'
import { may } from '../acl/permissions.js'
import { fail, ok, type Result } from '../result.js'
import { markEmailVerified, selectPersonCredentials } from '../../db/queries/persons.js'
import { markPersonTokenUsed, selectPersonTokenByHash } from '../../db/queries/personTokens.js'
import { tokenNotFound, tokenRefusal } from '../personTokens.js'
import { hashToken } from '../tokens.js'

/** Confirms a person's address with the token mailed to it, once. */
export async function verifyEmail(deps: Deps, caller: Principal, args: { token: string }):
    Promise<Result<null, 'TOKEN_NOT_FOUND' | 'TOKEN_INVALID' | 'TOKEN_USED' | 'TOKEN_EXPIRED' | 'FORBIDDEN'>> {
  if (!may(caller.roles, 'verifyEmail')) return fail('FORBIDDEN', 'You are not allowed to verify an e-mail address')
  const token = await selectPersonTokenByHash(deps.db, 'email_verification', hashToken(args.token))
  if (!token) return tokenNotFound()
  const person = await selectPersonCredentials(deps.db, { id: token.personId })
  if (!person) return tokenNotFound()
  const refusal = tokenRefusal(token, deps.clock.now(), person)
  if (refusal) return refusal
  return deps.db.transaction(async (tx) => {
    const at = deps.clock.now()
    if (!await markPersonTokenUsed(tx, token.id, at)) return fail('TOKEN_USED', 'Token used')
    await markEmailVerified(tx, person.id, at)
    return ok(null)
  })
}
