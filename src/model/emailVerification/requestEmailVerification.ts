import type { Deps } from '../deps.js'
import type { Caller } from '../auth/authenticate.js'
import { may } from '../acl/permissions.js'
import { fail, ok, type Result } from '../result.js'
import { selectPersonCredentials } from '../../db/queries/persons.js'
import { normaliseEmail } from '../persons/email.js'
import { mailProjectOf } from '../mail/mailProject.js'
import { withAnswerFloor, withinEmailLimit } from '../mail/anonymousFlows.js'
import { mailEmailToken } from './emailTokens.js'
import { withinIpLimit } from '../rateLimits.js'
import { refuseCaptcha } from '../captcha.js'

/**
 * Mails a token for `verifyEmail` to a person whose address is not verified yet. Always ok (an
 * unknown or verified address gets nothing, in the same time), but for RATE_LIMIT_EXCEEDED: each
 * email may ask EMAIL_REQUESTS_PER_WINDOW times in a window.
 */
export async function requestEmailVerification(deps: Deps, caller: Caller, args: { email: string; mailProject?: string | null; mailVariant?: string | null; captchaToken?: string | null }):
    Promise<Result<null, 'RATE_LIMIT_EXCEEDED' | 'INVALID_CAPTCHA' | 'FORBIDDEN'>> {
  if (!may(caller.roles, 'verifyEmail')) return fail('FORBIDDEN', 'You are not allowed to request e-mail verification')
  const email = normaliseEmail(args.email)
  return withAnswerFloor(async () => {
    const fromIp = await withinIpLimit(deps, 'emailVerificationPerIp', caller.client.ip)
    if (fromIp) return fail('RATE_LIMIT_EXCEEDED', `Too many e-mail verification requests from this address. Retry after ${fromIp.retryAfter}s.`)
    const captcha = await refuseCaptcha(deps, 'emailVerification', args.captchaToken, caller.client.ip)
    if (captcha) return captcha
    if (!await withinEmailLimit(deps, 'email_verification', email)) return fail('RATE_LIMIT_EXCEEDED', 'Too many verification requests for this email; try again later')
    const person = await selectPersonCredentials(deps.db, { email })
    if (!person || person.emailVerified || person.disabledAt !== null) return ok(null)
    const project = await mailProjectOf(deps.db, person, args.mailProject)
    return deps.db.transaction(async (tx) => {
      await mailEmailToken(deps, tx, caller, { personId: person.id, purpose: 'email_verification', email, project, variant: args.mailVariant })
      return ok(null)
    })
  })
}

