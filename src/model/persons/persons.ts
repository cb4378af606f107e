import type { Deps } from '../deps.js'
import { fail, ok, type Result } from '../result.js'
import type { Caller } from '../auth/authenticate.js'
import { forbiddenMessage, may } from '../acl/permissions.js'
import { selectPersons, type PersonRow, type PersonsFilter } from '../../db/queries/persons.js'
import { isUuid } from './findPerson.js'
import { normaliseEmail } from './email.js'

const DEFAULT_LIMIT = 100
const MAX_LIMIT = 1000

/** Persons by filter, for those who may view persons. INVALID_INPUT for a limit or offset out of range. */
export async function persons(deps: Deps, caller: Caller, args: { filter?: PersonsFilter | null; limit?: number | null; offset?: number | null }):
    Promise<Result<PersonRow[], 'FORBIDDEN' | 'INVALID_INPUT'>> {
  if (!may(caller.roles, 'viewPersons')) return fail('FORBIDDEN', forbiddenMessage('viewPersons'))
  const limit = args.limit ?? DEFAULT_LIMIT
  const offset = args.offset ?? 0
  if (limit < 0 || limit > MAX_LIMIT) return fail('INVALID_INPUT', `limit must be between 0 and ${MAX_LIMIT}`)
  if (offset < 0) return fail('INVALID_INPUT', 'offset must not be negative')
  const filter = args.filter ?? {}
  // An id that is not a UUID (the empty string too) matches nobody, and must not reach PostgreSQL as one.
  if ((filter.personId != null && !isUuid(filter.personId)) || (filter.identityId != null && !isUuid(filter.identityId))) return ok([])
  return ok(await selectPersons(deps.db, { ...filter, email: filter.email != null ? normaliseEmail(filter.email) : null }, limit, offset))
}
