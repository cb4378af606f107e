import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { announceIdentityChanged } from '../auth/announce.js'
import { fail, ok, type Result } from '../result.js'
import { isUniqueViolation } from '../../db/errors.js'
import { selectPersonCredentials, updatePersonProfile, type PersonCredentials } from '../../db/queries/persons.js'
import { loadTenantConfig } from '../config/tenantConfig.js'
import { withinEmailLimit } from '../mail/anonymousFlows.js'
import { mailProjectOf } from '../mail/mailProject.js'
import { mailEmailToken } from '../emailVerification/emailTokens.js'
import { isValidEmail, normaliseEmail } from './email.js'
import type { Caller } from '../auth/authenticate.js'
import { personToManage } from './personAccess.js'

export type ProfileErrorCode = 'INVALID_EMAIL_FORMAT' | 'EMAIL_ALREADY_EXISTS' | 'RATE_LIMIT_EXCEEDED'

/** changeProfile: an admin changes another person's email and/or name. */
export async function changeProfile(deps: Deps, caller: Caller, args: { personId: string; email?: string | null; name?: string | null }):
    Promise<Result<null, ProfileErrorCode | 'PERSON_NOT_FOUND' | 'FORBIDDEN'>> {
  const person = await personToManage(deps, caller, 'changeProfile', { id: args.personId }, 'PERSON_NOT_FOUND')
  return person.ok ? updateProfile(deps, caller, person.value, args, { limited: false }) : person
}

/**
 * Changes a person's email and/or name (both `changeProfile` and `changeMyProfile`; the
 * resolvers find the person and check who may). An argument left out stays as it is; a null
 * or empty name clears the name; a null email is refused (a person keeps an email). With
 * `emailChange.requireVerification` on, a new email is not applied: a token goes to it, and
 * `confirmEmailChange` applies it; `limited` counts such requests per new address
 * (RATE_LIMIT_EXCEEDED), for the person's own changes.
 */
export async function updateProfile(deps: Deps, caller: Caller, person: PersonCredentials, changes: { email?: string | null; name?: string | null }, options: { limited: boolean }):
    Promise<Result<null, ProfileErrorCode>> {
  let email: string | undefined
  if (changes.email === null) return fail('INVALID_EMAIL_FORMAT', 'E-mail address cannot be null.')
  if (changes.email !== undefined) {
    email = normaliseEmail(changes.email)
    if (!isValidEmail(email)) return fail('INVALID_EMAIL_FORMAT', 'E-mail address is not in a valid format')
  }
  // An empty name is no name.
  const name = changes.name === '' ? null : changes.name
  if (email !== undefined && email !== person.email && (await loadTenantConfig(deps.db)).emailChange.requireVerification) {
    return requestEmailChange(deps, caller, person, email, name, options)
  }
  return deps.db.transaction(async (tx) => {
    try {
      await updatePersonProfile(tx, person.id, { ...(email !== undefined ? { email } : {}), ...(name !== undefined ? { name } : {}) })
      // Introspection answers carry the email: cached ones are dropped everywhere at commit.
      await announceIdentityChanged(deps, tx, person.identityId)
      if (email !== undefined && email !== person.email) {
        const self = caller.identityId === person.identityId
        await recordAuthEvent(deps, tx, caller, { type: 'email_change', success: true, ...(self ? { personId: person.id } : { targetPersonId: person.id }), eventData: { before: person.email, after: email } })
      }
      return ok(null)
    } catch (error) {
      if (isUniqueViolation(error, 'person_email_unique')) return fail('EMAIL_ALREADY_EXISTS', `User with email ${email} already exists`)
      throw error
    }
  })
}

/** The first half of a verified email change: the name changes now, the email once confirmed. */
async function requestEmailChange(deps: Deps, caller: Caller, person: PersonCredentials, email: string, name: string | null | undefined, options: { limited: boolean }):
    Promise<Result<null, ProfileErrorCode>> {
  const holder = await selectPersonCredentials(deps.db, { email })
  if (holder) return fail('EMAIL_ALREADY_EXISTS', `User with email ${email} already exists`)
  if (options.limited && !await withinEmailLimit(deps, 'email_change', email)) {
    return fail('RATE_LIMIT_EXCEEDED', 'Too many e-mail change requests for this address')
  }
  const project = await mailProjectOf(deps.db, person, null)
  return deps.db.transaction(async (tx) => {
    if (name !== undefined) await updatePersonProfile(tx, person.id, { name })
    await mailEmailToken(deps, tx, caller, { personId: person.id, purpose: 'email_change', email, project })
    return ok(null)
  })
}
