import type { Deps } from '../deps.js'
import type { Caller } from '../auth/authenticate.js'
import { forbiddenMessage, may } from '../acl/permissions.js'
import { fail, ok, type Result } from '../result.js'
import { selectPersonCredentials } from '../../db/queries/persons.js'
import { selectPersonTokenById } from '../../db/queries/personTokens.js'
import { isUuid } from '../persons/findPerson.js'
import { tokenRefusal } from '../personTokens.js'
import { hashToken, sameHash } from '../tokens.js'

export type ResetTokenState = 'VALID' | 'REQUEST_NOT_FOUND' | 'TOKEN_NOT_FOUND' | 'TOKEN_INVALID' | 'TOKEN_USED' | 'TOKEN_EXPIRED'

/**
 * Tells whether a reset request's token would work, without using it (a "choose a new password"
 * page can say so before the person types one). `requestId` is the mail's `requestId`.
 */
export async function checkResetPasswordToken(deps: Deps, caller: Caller, args: { requestId: string; token: string }): Promise<Result<ResetTokenState, 'FORBIDDEN'>> {
  if (!may(caller.roles, 'resetPassword')) return fail('FORBIDDEN', forbiddenMessage('resetPassword'))
  const request = isUuid(args.requestId) ? await selectPersonTokenById(deps.db, 'password_reset', args.requestId) : null
  if (!request) return ok('REQUEST_NOT_FOUND')
  if (args.token === '') return ok('TOKEN_NOT_FOUND')
  if (!sameHash(hashToken(args.token), request.tokenHash)) return ok('TOKEN_INVALID')
  const person = await selectPersonCredentials(deps.db, { id: request.personId })
  if (!person) return ok('REQUEST_NOT_FOUND')
  const refusal = tokenRefusal(request, deps.clock.now(), person)
  return ok(refusal ? refusal.code : 'VALID')
}
