import type { Deps } from '../deps.js'
import { announceIdentityChanged } from '../auth/announce.js'
import { fail, ok, type Result } from '../result.js'
import { isUniqueViolation } from '../../db/errors.js'
import { updatePersonProfile } from '../../db/queries/persons.js'
import { isValidEmail, normaliseEmail } from './email.js'
import type { Principal } from '../auth/authenticate.js'
import { personToManage } from './personAccess.js'

export type ProfileErrorCode = 'INVALID_EMAIL_FORMAT' | 'EMAIL_ALREADY_EXISTS'

/**
 * Changes a person's email and/or name (both `changeProfile` and `changeMyProfile`; the
 * resolvers find the person and check who may). An argument left out stays as it is; a null
 * or empty name clears the name; a null email is refused (a person keeps an email).
 */
/** changeProfile: an admin changes another person's email and/or name. */
export async function changeProfile(deps: Deps, caller: Principal, args: { personId: string; email?: string | null; name?: string | null }):
    Promise<Result<null, ProfileErrorCode | 'PERSON_NOT_FOUND' | 'FORBIDDEN'>> {
  const person = await personToManage(deps, caller, 'changeProfile', { id: args.personId }, 'PERSON_NOT_FOUND')
  return person.ok ? updateProfile(deps, person.value, args) : person
}

/** The change itself, for both operations. */
export async function updateProfile(deps: Deps, person: { id: string; identityId: string }, changes: { email?: string | null; name?: string | null }):
    Promise<Result<null, ProfileErrorCode>> {
  let email: string | undefined
  if (changes.email === null) return fail('INVALID_EMAIL_FORMAT', 'E-mail address cannot be null.')
  if (changes.email !== undefined) {
    email = normaliseEmail(changes.email)
    if (!isValidEmail(email)) return fail('INVALID_EMAIL_FORMAT', 'E-mail address is not in a valid format')
  }
  // An empty name is no name.
  const name = changes.name === '' ? null : changes.name
  return deps.db.transaction(async (tx) => {
    try {
      await updatePersonProfile(tx, person.id, { ...(email !== undefined ? { email } : {}), ...(name !== undefined ? { name } : {}) })
      // Introspection answers carry the email: cached ones are dropped everywhere at commit.
      await announceIdentityChanged(deps, tx, person.identityId)
      return ok(null)
    } catch (error) {
      if (isUniqueViolation(error, 'person_email_unique')) return fail('EMAIL_ALREADY_EXISTS', `User with email ${email} already exists`)
      throw error
    }
  })
}
