import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import type { Caller } from '../auth/authenticate.js'
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
export async function resetPassword(deps: Deps, caller: Caller, args: { token: string; password: string }): Promise<Result<null, ResetPasswordErrorCode>> {
  if (!may(caller.roles, 'resetPassword')) return fail('FORBIDDEN', forbiddenMessage('resetPassword'))
  const found = await usableToken(deps, 'password_reset', args.token)
  const failed = async <C extends string>(refusal: { ok: false; code: C; message: string }, personId: string | null) => {
    await recordAuthEvent(deps, deps.db, caller, { type: 'password_reset', success: false, personId, errorCode: refusal.code, errorMessage: refusal.message })
    return refusal
  }
  if (!found.ok) return failed(found, null)
  const { token, person } = found.value
  const weak = await refuseWeakPassword(deps, args.password)
  if (weak) return failed(fail('PASSWORD_TOO_WEAK', weak.message, weak.details), person.id)
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
    await recordAuthEvent(deps, tx, caller, { type: 'password_reset', success: true, personId: person.id })
    return ok(null)
  })
}
