import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import type { Caller } from '../auth/authenticate.js'
import { announceIdentityChanged } from '../auth/announce.js'
import { may } from '../acl/permissions.js'
import { fail, ok, type Result } from '../result.js'
import { isUniqueViolation } from '../../db/errors.js'
import { disableSessionsOfIdentity } from '../../db/queries/apiKeys.js'
import { markEmailVerified, selectPersonCredentials, updatePersonProfile } from '../../db/queries/persons.js'
import { markPersonTokenUsed, retirePersonTokens } from '../../db/queries/personTokens.js'
import { isValidEmail } from '../persons/email.js'
import { mailProjectOf } from '../mail/mailProject.js'
import { queueMail } from '../mail/queueMail.js'
import { usableToken } from '../personTokens.js'

export type ConfirmEmailChangeErrorCode = 'TOKEN_NOT_FOUND' | 'TOKEN_INVALID' | 'TOKEN_USED' | 'TOKEN_EXPIRED' | 'EMAIL_ALREADY_EXISTS' | 'INVALID_EMAIL_FORMAT' | 'FORBIDDEN'

/**
 * Applies an email change with the token mailed to the new address, once: the new address is
 * the person's (and verified), every session of the person ends (it may have been started by
 * whoever asked for the change), and the old address is told (EMAIL_CHANGE_NOTIFY).
 */
export async function confirmEmailChange(deps: Deps, caller: Caller, args: { token: string }): Promise<Result<null, ConfirmEmailChangeErrorCode>> {
  if (!may(caller.roles, 'verifyEmail')) return fail('FORBIDDEN', 'You are not allowed to confirm an e-mail change')
  const found = await usableToken(deps, 'email_change', args.token)
  if (!found.ok) return found
  const { token, person } = found.value
  const email = token.email
  if (!isValidEmail(email)) return fail('INVALID_EMAIL_FORMAT', 'E-mail address is not in a valid format')
  const taken = () => fail('EMAIL_ALREADY_EXISTS', `User with email ${email} already exists`)
  const holder = await selectPersonCredentials(deps.db, { email })
  if (holder && holder.id !== person.id) return taken()
  const project = await mailProjectOf(deps.db, person, null)
  return deps.db.transaction(async (tx) => {
    const at = deps.clock.now()
    if (!await markPersonTokenUsed(tx, token.id, at)) return fail('TOKEN_USED', 'Token used')
    try {
      await updatePersonProfile(tx, person.id, { email })
    } catch (error) {
      if (isUniqueViolation(error, 'person_email_unique')) return taken()
      throw error
    }
    await markEmailVerified(tx, person.id, at)
    // Tokens mailed to the old address (a reset, say) stop working with it.
    for (const purpose of ['password_reset', 'email_verification', 'passwordless'] as const) await retirePersonTokens(tx, person.id, purpose, at)
    await disableSessionsOfIdentity(tx, person.identityId, at)
    await announceIdentityChanged(deps, tx, person.identityId)
    await recordAuthEvent(deps, tx, caller, { type: 'email_change_complete', success: true, personId: person.id, eventData: { before: person.email, after: email } })
    if (person.email) {
      await queueMail(deps, tx, { type: 'EMAIL_CHANGE_NOTIFY', to: person.email, project, variant: null, variables: { email: person.email, newEmail: email }, secrets: [] })
    }
    return ok(null)
  })
}
