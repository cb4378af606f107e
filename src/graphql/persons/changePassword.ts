import * as model from '../../model/persons/changePassword.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export const changePassword: Resolver<{ personId: string; password: string }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.changePassword(ctx.deps, ctx.caller, args), { forbidden: ['FORBIDDEN'] }))
