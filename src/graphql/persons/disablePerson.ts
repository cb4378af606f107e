import * as model from '../../model/persons/disablePerson.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export const disablePerson: Resolver<{ personId: string }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.disablePerson(ctx.deps, ctx.caller, args.personId), { forbidden: ['FORBIDDEN'] }))
