import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import type { Caller } from '../auth/authenticate.js'
import { may } from '../acl/permissions.js'
import { fail, ok, type Result } from '../result.js'
import { markEmailVerified } from '../../db/queries/persons.js'
import { markPersonTokenUsed } from '../../db/queries/personTokens.js'
import { usableToken } from '../personTokens.js'

/** Confirms a person's address with the token mailed to it, once. */
export async function verifyEmail(deps: Deps, caller: Caller, args: { token: string }):
    Promise<Result<null, 'TOKEN_NOT_FOUND' | 'TOKEN_INVALID' | 'TOKEN_USED' | 'TOKEN_EXPIRED' | 'FORBIDDEN'>> {
  if (!may(caller.roles, 'verifyEmail')) return fail('FORBIDDEN', 'You are not allowed to verify an e-mail address')
  const found = await usableToken(deps, 'email_verification', args.token)
  if (!found.ok) return found
  const { token, person } = found.value
  return deps.db.transaction(async (tx) => {
    const at = deps.clock.now()
    if (!await markPersonTokenUsed(tx, token.id, at)) return fail('TOKEN_USED', 'Token used')
    await markEmailVerified(tx, person.id, at)
    await recordAuthEvent(deps, tx, caller, { type: 'email_verify_complete', success: true, personId: person.id })
    return ok(null)
  })
}
