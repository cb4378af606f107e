import type { Deps } from '../deps.js'
import { fail, ok, type Result } from '../result.js'
import { publicPerson, type PersonCredentials } from '../../db/queries/persons.js'
import { loadTenantConfig } from '../config/tenantConfig.js'
import { createSession, sessionMinutes } from './createSession.js'
import type { SignedIn } from './signIn.js'

/** An admin acting as a person: a session for them without their password. */
export async function createSessionToken(deps: Deps, person: PersonCredentials, expiration?: number | null):
    Promise<Result<SignedIn, 'PERSON_DISABLED'>> {
  if (person.disabledAt !== null) return fail('PERSON_DISABLED', `Person with id ${person.id} is disabled`)
  const config = await loadTenantConfig(deps.db)
  return deps.db.transaction(async (tx) => {
    const session = await createSession(tx, person.identityId, sessionMinutes(expiration, config.login), deps.clock.now())
    return ok({ token: session.token, person: publicPerson(person) })
  })
}
