import type { Deps } from '../deps.js'
import { fail, type Result } from '../result.js'
import type { Caller } from '../auth/authenticate.js'
import { forbiddenMessage, may, mayActOnIdentity, type Action } from '../acl/permissions.js'
import type { PersonCredentials } from '../../db/queries/persons.js'
import { findPerson } from './findPerson.js'

/**
 * For operations on another person: the caller must hold the action, the person must exist
 * (`notFound` is that operation's code), and the person may hold no global role the caller
 * could not grant (a project admin may not act as, or take over, a super admin or an
 * introspector). The action is checked first, so a caller without it learns nothing about which
 * persons exist. FORBIDDEN is no schema code: resolvers answer it with a ForbiddenError.
 */
export async function personToManage<C extends string>(
  deps: Deps, caller: Caller, action: Action, by: { id: string } | { email: string }, notFound: C, notFoundMessage?: string,
): Promise<Result<PersonCredentials, C | 'FORBIDDEN'>> {
  if (!may(caller.roles, action)) return fail('FORBIDDEN', forbiddenMessage(action))
  const person = await findPerson(deps, by, notFound, notFoundMessage)
  if (person.ok && !mayActOnIdentity(caller.roles, person.value.roles)) {
    return fail('FORBIDDEN', forbiddenMessage(action, action === 'createSessionToken' ? ' for this person.' : ''))
  }
  return person
}

/**
 * For the `my` operations: the caller's own person. An identity without one (the login token,
 * an application key) gets NOT_A_PERSON, as in the reference, rather than a ForbiddenError.
 */
export async function myPerson(deps: Deps, caller: Caller, action: Action, notAPerson: string):
    Promise<Result<PersonCredentials, 'NOT_A_PERSON' | 'FORBIDDEN'>> {
  const person = await findPerson(deps, { identityId: caller.identityId }, 'NOT_A_PERSON', notAPerson)
  if (person.ok && !may(caller.roles, action)) return fail('FORBIDDEN', forbiddenMessage(action))
  return person
}
