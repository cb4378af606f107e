import * as model from '../../model/persons/changeMyPassword.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export const changeMyPassword: Resolver<{ currentPassword: string; newPassword: string }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.changeMyPassword(ctx.deps, ctx.caller, args), { forbidden: ['FORBIDDEN'] }))
