import type { Deps } from '../deps.js'
import type { Principal } from '../auth/authenticate.js'
import { announceIdentityChanged } from '../auth/announce.js'
import { forbiddenMessage, may } from '../acl/permissions.js'
import { fail, ok, type Result } from '../result.js'
import { disableSessionsOfIdentity } from '../../db/queries/apiKeys.js'
import { markEmailVerified, updatePersonPasswordHash } from '../../db/queries/persons.js'
import { markPersonTokenUsed, retirePersonTokens } from '../../db/queries/personTokens.js'
import { hashPassword } from '../passwords/hashing.js'
import { refuseWeakPassword } from '../passwords/refuseWeakPassword.js'
import { usableToken } from '../personTokens.js'

export type ResetPasswordErrorCode = 'TOKEN_NOT_FOUND' | 'TOKEN_INVALID' | 'TOKEN_USED' | 'TOKEN_EXPIRED' | 'PASSWORD_TOO_WEAK' | 'FORBIDDEN'

/**
 * Sets a new password with a mailed token (a reset request's, or an invite's), once. The
 * password policy applies. Every session of the person ends (whoever got in with the old
 * password is out) and the email counts as verified: the token came through it.
 */
export async function resetPassword(deps: Deps, caller: Principal, args: { token: string; password: string }): Promise<Result<null, ResetPasswordErrorCode>> {
  if (!may(caller.roles, 'resetPassword')) return fail('FORBIDDEN', forbiddenMessage('resetPassword'))
  const found = await usableToken(deps, 'password_reset', args.token)
  if (!found.ok) return found
  const { token, person } = found.value
  const weak = await refuseWeakPassword(deps, args.password)
  if (weak) return fail('PASSWORD_TOO_WEAK', 'Password is too weak', weak.details)
  const hash = await hashPassword(args.password)
  return deps.db.transaction(async (tx) => {
    const at = deps.clock.now()
    // Two requests with one token: one wins, the other is TOKEN_USED and changes nothing.
    if (!await markPersonTokenUsed(tx, token.id, at)) return fail('TOKEN_USED', 'Token used')
    await retirePersonTokens(tx, person.id, 'password_reset', at)
    await updatePersonPasswordHash(tx, person.id, hash)
    await markEmailVerified(tx, person.id, at)
    await disableSessionsOfIdentity(tx, person.identityId, at)
    await announceIdentityChanged(deps, tx, person.identityId)
    return ok(null)
  })
}
