import * as model from '../../model/persons/personById.js'
import type { PersonRow } from '../../model/rows.js'
import type { Resolver } from '../context.js'

export const personById: Resolver<{ id: string }, unknown, PersonRow | null> = (_, args, ctx) => model.personById(ctx.deps, ctx.caller, args.id)
