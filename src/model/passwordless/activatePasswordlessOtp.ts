import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import type { Caller } from '../auth/authenticate.js'
import { may } from '../acl/permissions.js'
import { fail, ok, type Result } from '../result.js'
import { setPersonTokenOtp } from '../../db/queries/personTokens.js'
import { openRequest } from './signInPasswordless.js'

/**
 * Exchanges a passwordless request's mailed token for a code the client chose (it sends the
 * code's sha256 as `otpHash`): a page that opened the mailed link can let the person finish on
 * another device by typing the short code there. The long token stops working.
 */
export async function activatePasswordlessOtp(deps: Deps, caller: Caller, args: { requestId: string; token: string; otpHash: string }):
    Promise<Result<null, 'TOKEN_NOT_FOUND' | 'TOKEN_INVALID' | 'TOKEN_EXPIRED' | 'TOKEN_USED' | 'FORBIDDEN' | 'INVALID_INPUT'>> {
  if (!may(caller.roles, 'signInPasswordless')) return fail('FORBIDDEN', 'You are not allowed to activate passwordless OTP')
  if (!/^[0-9a-fA-F]{64}$/.test(args.otpHash)) return fail('INVALID_INPUT', 'otpHash must be the sha256 of the code, as 64 hex characters')
  const found = await openRequest(deps, args.requestId, 'token', args.token)
  if (!found.ok) return found
  await deps.db.transaction(async (tx) => {
    await setPersonTokenOtp(tx, found.value.request.id, args.otpHash.toLowerCase())
    await recordAuthEvent(deps, tx, caller, { type: 'passwordless_login_exchange', success: true, personId: found.value.person.id, metadata: { requestId: args.requestId } })
  })
  return ok(null)
}
