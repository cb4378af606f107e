import type { Deps } from '../deps.js'
import { fail, ok, type Result } from '../result.js'
import { publicPerson, type PersonCredentials } from '../../db/queries/persons.js'
import { loadTenantConfig } from '../config/tenantConfig.js'
import type { SignInOptions } from './createSession.js'
import { effectivePolicy, personRoles } from '../authPolicies/effectivePolicy.js'
import { issueSession, type SignedIn } from './signInSteps.js'
import type { Caller } from '../auth/authenticate.js'
import { personToManage } from '../persons/personAccess.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'

/** An admin acting as a person: a session for them without their password. */
type By = { email?: string | null; personId?: string | null }

/**
 * Finds the person by email or id (with both, the email wins, as in the reference) and makes a
 * session for them. INVALID_INPUT (neither given) and FORBIDDEN are no schema codes.
 */
export async function createSessionToken(deps: Deps, caller: Caller, args: By & { expiration?: number | null; options?: SignInOptions | null }):
    Promise<Result<SignedIn, 'PERSON_DISABLED' | 'UNKNOWN_EMAIL' | 'UNKNOWN_PERSON_ID' | 'INVALID_INPUT' | 'FORBIDDEN'>> {
  const person = args.email != null
    ? await personToManage(deps, caller, 'createSessionToken', { email: args.email }, 'UNKNOWN_EMAIL', `Person with email ${args.email} not found`)
    : args.personId != null
      ? await personToManage(deps, caller, 'createSessionToken', { id: args.personId }, 'UNKNOWN_PERSON_ID', `Person with id ${args.personId} not found`)
      : fail('INVALID_INPUT', 'Please provide either email or personId')
  if (!person.ok) {
    if (person.code !== 'FORBIDDEN' && person.code !== 'INVALID_INPUT') {
      await recordAuthEvent(deps, deps.db, caller, {
        type: 'create_session_token', success: false, personInputIdentifier: (args.email ?? args.personId ?? '').slice(0, 254), errorCode: person.code, errorMessage: person.message,
      })
    }
    return person
  }
  return sessionFor(deps, caller, person.value, args.expiration, args.options)
}

async function sessionFor(deps: Deps, caller: Caller, person: PersonCredentials, expiration: number | null | undefined, options: SignInOptions | null | undefined):
    Promise<Result<SignedIn, 'PERSON_DISABLED'>> {
  if (person.disabledAt !== null) {
    await recordAuthEvent(deps, deps.db, caller, { type: 'create_session_token', success: false, targetPersonId: person.id, errorCode: 'PERSON_DISABLED' })
    return fail('PERSON_DISABLED', `Person with id ${person.id} is disabled`)
  }
  const config = await loadTenantConfig(deps.db)
  const policy = await effectivePolicy(deps, person.identityId, personRoles(person))
  return deps.db.transaction(async (tx) => {
    const session = await issueSession(deps, tx, caller, {
      person, requested: expiration, login: config.login, policy, options,
      event: (sessionId) => ({ type: 'create_session_token', success: true, targetPersonId: person.id, metadata: { sessionId } }),
    })
    return ok({ token: session.token, person: publicPerson(person) })
  })
}
