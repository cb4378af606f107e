import type { Deps } from '../deps.js'
import type { Principal } from '../auth/authenticate.js'
import { may } from '../acl/permissions.js'
import { selectPersonsByIds, type PersonRow } from '../../db/queries/persons.js'
import { isUuid } from './findPerson.js'

/** Null for an unknown id, and (as in the reference) for a caller who may not view persons. */
export async function personById(deps: Deps, caller: Principal, id: string): Promise<PersonRow | null> {
  if (!may(caller.roles, 'viewPersons') || !isUuid(id)) return null
  return (await selectPersonsByIds(deps.db, [id]))[0] ?? null
}
