import * as model from '../../model/persons/signUp.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export const signUp: Resolver<model.SignUpInput> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.signUp(ctx.deps, ctx.caller, args), { input: ['INVALID_INPUT'], forbidden: ['FORBIDDEN'] }), (person) => ({ person }))
