import * as model from '../../model/persons/persons.js'
import type { PersonRow, PersonsFilter } from '../../model/rows.js'
import type { Resolver } from '../context.js'
import { valueOf } from '../errors.js'

type Args = { filter?: PersonsFilter | null; limit?: number | null; offset?: number | null }

export const persons: Resolver<Args, unknown, PersonRow[]> = async (_, args, ctx) => valueOf(await model.persons(ctx.deps, ctx.caller, args))
