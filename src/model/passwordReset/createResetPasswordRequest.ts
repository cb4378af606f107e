import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import type { Caller } from '../auth/authenticate.js'
import { forbiddenMessage, may } from '../acl/permissions.js'
import { fail, ok, type Result } from '../result.js'
import { selectPersonCredentials } from '../../db/queries/persons.js'
import { insertPersonToken, retirePersonTokens } from '../../db/queries/personTokens.js'
import { loadTenantConfig } from '../config/tenantConfig.js'
import { normaliseEmail } from '../persons/email.js'
import { queueMail } from '../mail/queueMail.js'
import { mailProjectOf } from '../mail/mailProject.js'
import { withAnswerFloor, withinEmailLimit } from '../mail/anonymousFlows.js'
import { generateToken, hashToken } from '../tokens.js'
import { withinIpLimit } from '../rateLimits.js'
import { refuseCaptcha } from '../captcha.js'

/** How long a mailed reset token works. */
export const RESET_TOKEN_MINUTES = 60

export type CreateResetPasswordRequestErrorCode = 'PERSON_NOT_FOUND' | 'RATE_LIMIT_EXCEEDED' | 'INVALID_CAPTCHA' | 'FORBIDDEN'

/**
 * Mails a token for `resetPassword` (valid an hour; a newer request retires the older tokens).
 * An unknown email is PERSON_NOT_FOUND when `login.revealUserExists` is on (the default), else
 * answered as a known one, in the same time. Each email may ask EMAIL_REQUESTS_PER_WINDOW times
 * in a window, counted whether or not anyone has it.
 */
export async function createResetPasswordRequest(deps: Deps, caller: Caller, args: { email: string; mailProject?: string | null; mailVariant?: string | null; captchaToken?: string | null }):
    Promise<Result<null, CreateResetPasswordRequestErrorCode>> {
  if (!may(caller.roles, 'createResetPasswordRequest')) return fail('FORBIDDEN', forbiddenMessage('createResetPasswordRequest'))
  const email = normaliseEmail(args.email)
  return withAnswerFloor(async () => {
    const fromIp = await withinIpLimit(deps, 'passwordResetPerIp', caller.client.ip)
    if (fromIp) return fail('RATE_LIMIT_EXCEEDED', `Too many password reset requests from this address. Retry after ${fromIp.retryAfter}s.`)
    const captcha = await refuseCaptcha(deps, 'passwordReset', args.captchaToken, caller.client.ip)
    if (captcha) return captcha
    if (!await withinEmailLimit(deps, 'password_reset', email)) {
      return fail('RATE_LIMIT_EXCEEDED', 'Too many password reset requests for this email; try again later')
    }
    const person = await selectPersonCredentials(deps.db, { email })
    if (!person || person.disabledAt !== null) {
      // Recorded whatever the answer says (revealUserExists may hide it).
      await recordAuthEvent(deps, deps.db, caller, { type: 'password_reset_init', success: false, personInputIdentifier: email.slice(0, 254), personId: person?.id ?? null, errorCode: 'PERSON_NOT_FOUND' })
      const { login } = await loadTenantConfig(deps.db)
      return login.revealUserExists ? fail('PERSON_NOT_FOUND', 'Person was not found.') : ok(null)
    }
    const project = await mailProjectOf(deps.db, person, args.mailProject)
    return deps.db.transaction(async (tx) => {
      const at = deps.clock.now()
      await retirePersonTokens(tx, person.id, 'password_reset', at)
      const token = generateToken()
      const requestId = await insertPersonToken(tx, {
        personId: person.id, purpose: 'password_reset', tokenHash: hashToken(token), email, at, expiresAt: new Date(at.getTime() + RESET_TOKEN_MINUTES * 60_000),
      })
      await queueMail(deps, tx, {
        type: 'RESET_PASSWORD_REQUEST', to: email, project, variant: args.mailVariant, variables: { email, token, requestId }, secrets: [token],
      })
      await recordAuthEvent(deps, tx, caller, { type: 'password_reset_init', success: true, personId: person.id, personInputIdentifier: email })
      return ok(null)
    })
  })
}
