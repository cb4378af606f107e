import type { Deps } from '../deps.js'
import { fail, ok, type Result } from '../result.js'
import { selectPersonCredentials, type PersonCredentials } from '../../db/queries/persons.js'
import { normaliseEmail } from './email.js'

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
export const isUuid = (value: string) => uuid.test(value)

/**
 * Looks a person up for an operation that acts on them; `code` is that operation's name for
 * "not found". A malformed id would make PostgreSQL throw; for the caller it is just unknown.
 */
export async function findPerson<C extends string>(
  deps: Deps, by: { id: string } | { email: string } | { identityId: string }, code: C, message = 'Person not found',
): Promise<Result<PersonCredentials, C>> {
  if ('id' in by && !isUuid(by.id)) return fail(code, message)
  if ('identityId' in by && !isUuid(by.identityId)) return fail(code, message)
  const person = await selectPersonCredentials(deps.db, 'email' in by ? { email: normaliseEmail(by.email) } : by)
  return person ? ok(person) : fail(code, message)
}
