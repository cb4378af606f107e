import { UserInputError } from '../errors.js'
import { selectPersons, selectPersonsByIds, type PersonsFilter, type PersonRow } from '../../db/queries/persons.js'
import { isUuid } from '../../model/persons/findPerson.js'
import { normaliseEmail } from '../../model/persons/email.js'
import { may } from '../../model/acl/permissions.js'
import { requireAccess, type Resolver } from '../context.js'

/** Null for an unknown id, and (as in the reference) for a caller who may not view persons. */
export const personById: Resolver<{ id: string }, unknown, PersonRow | null> = async (_, args, ctx) => {
  if (!may(ctx.principal.roles, 'viewPersons') || !isUuid(args.id)) return null
  return (await selectPersonsByIds(ctx.deps.db, [args.id]))[0] ?? null
}

const DEFAULT_LIMIT = 100
const MAX_LIMIT = 1000

export const persons: Resolver<{ filter?: PersonsFilter | null; limit?: number | null; offset?: number | null }, unknown, PersonRow[]> =
  async (_, args, ctx) => {
    requireAccess(ctx, 'viewPersons')
    const limit = args.limit ?? DEFAULT_LIMIT
    const offset = args.offset ?? 0
    if (limit < 0 || limit > MAX_LIMIT) throw new UserInputError(`limit must be between 0 and ${MAX_LIMIT}`)
    if (offset < 0) throw new UserInputError('offset must not be negative')
    const filter = args.filter ?? {}
    // An id that is not a UUID (the empty string too) matches nobody, and must not reach PostgreSQL as one.
    if ((filter.personId != null && !isUuid(filter.personId)) || (filter.identityId != null && !isUuid(filter.identityId))) return []
    return selectPersons(ctx.deps.db, { ...filter, email: filter.email != null ? normaliseEmail(filter.email) : null }, limit, offset)
  }
