import { randomUUID } from 'node:crypto'
import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import type { Caller } from '../auth/authenticate.js'
import { may } from '../acl/permissions.js'
import { fail, ok, type Result } from '../result.js'
import { selectPersonCredentials } from '../../db/queries/persons.js'
import { insertPersonToken } from '../../db/queries/personTokens.js'
import { loadTenantConfig } from '../config/tenantConfig.js'
import { normaliseEmail } from '../persons/email.js'
import { queueMail } from '../mail/queueMail.js'
import { mailProjectOf } from '../mail/mailProject.js'
import { withAnswerFloor, withinEmailLimit } from '../mail/anonymousFlows.js'
import { generateToken, hashToken } from '../tokens.js'
import { withinIpLimit } from '../rateLimits.js'
import { refuseCaptcha } from '../captcha.js'
import { passwordlessAllowed, passwordlessLink } from './passwordlessPolicy.js'

export type InitSignInPasswordlessErrorCode = 'PERSON_NOT_FOUND' | 'PASSWORDLESS_DISABLED' | 'RATE_LIMIT_EXCEEDED' | 'INVALID_CAPTCHA' | 'FORBIDDEN'

/**
 * Mails a sign-in link (to `passwordless.url`, or the token alone) that works once, for
 * `passwordless.expiration`. The answer's `requestId` goes with the token (or with a code the
 * client set through activatePasswordlessOtp) to signInPasswordless. Only for persons the
 * `passwordless.enabled` policy lets in. While `login.revealUserExists` is on, an unknown email
 * is PERSON_NOT_FOUND and a person without passwordless PASSWORDLESS_DISABLED; while it is off,
 * both get the same answer as a person who was mailed (a request id that leads nowhere), so the
 * answer tells nobody who exists. Each email may ask EMAIL_REQUESTS_PER_WINDOW times in a window.
 */
export async function initSignInPasswordless(deps: Deps, caller: Caller, args: { email: string; mailProject?: string | null; mailVariant?: string | null; captchaToken?: string | null }):
    Promise<Result<{ requestId: string; expiresAt: Date }, InitSignInPasswordlessErrorCode>> {
  if (!may(caller.roles, 'signInPasswordless')) return fail('FORBIDDEN', 'You are not allowed to request passwordless sign in')
  const config = await loadTenantConfig(deps.db)
  if (config.passwordless.enabled === 'never') return fail('PASSWORDLESS_DISABLED', 'Passwordless sign-in is disabled')
  const email = normaliseEmail(args.email)
  const hide = !config.login.revealUserExists
  // What a mailed person gets: a request id (this one matches no request) and its expiry.
  const asIfMailed = () => ok({ requestId: randomUUID(), expiresAt: new Date(deps.clock.now().getTime() + config.passwordless.expiration * 1000) })
  const disabledForPerson = () => hide ? asIfMailed() : fail('PASSWORDLESS_DISABLED', 'Passwordless sign-in is disabled for this person')
  return withAnswerFloor(async () => {
    const fromIp = await withinIpLimit(deps, 'passwordlessInitPerIp', caller.client.ip)
    if (fromIp) return fail('RATE_LIMIT_EXCEEDED', `Too many passwordless sign-in requests from this address. Retry after ${fromIp.retryAfter}s.`)
    const captcha = await refuseCaptcha(deps, 'passwordlessInit', args.captchaToken, caller.client.ip)
    if (captcha) return captcha
    if (!await withinEmailLimit(deps, 'passwordless', email)) return fail('RATE_LIMIT_EXCEEDED', 'Too many passwordless sign-in requests for this email; try again later')
    const person = await selectPersonCredentials(deps.db, { email })
    if (!person) return hide ? asIfMailed() : fail('PERSON_NOT_FOUND', `Person ${email} not found`)
    if (person.disabledAt !== null || !passwordlessAllowed(config.passwordless.enabled, person.passwordlessEnabled)) return disabledForPerson()
    const project = await mailProjectOf(deps.db, person, args.mailProject)
    return deps.db.transaction(async (tx) => {
      const at = deps.clock.now()
      const expiresAt = new Date(at.getTime() + config.passwordless.expiration * 1000)
      const token = generateToken()
      const requestId = await insertPersonToken(tx, { personId: person.id, purpose: 'passwordless', tokenHash: hashToken(token), email, at, expiresAt })
      const url = config.passwordless.url ? passwordlessLink(config.passwordless.url, { token, requestId, email }) : null
      await queueMail(deps, tx, {
        type: 'PASSWORDLESS_SIGN_IN', to: email, project, variant: args.mailVariant,
        variables: { email, token, url, requestId }, secrets: [token, ...url ? [url] : []],
      })
      await recordAuthEvent(deps, tx, caller, { type: 'passwordless_login_init', success: true, personId: person.id, personInputIdentifier: email, metadata: { requestId } })
      return ok({ requestId, expiresAt })
    })
  })
}
