import * as model from '../../model/sessions/forceSignOutPerson.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export const forceSignOutPerson: Resolver<{ personId: string; reason?: string | null }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.forceSignOutPerson(ctx.deps, ctx.caller, args), { forbidden: ['FORBIDDEN'] }))
