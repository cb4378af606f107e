import * as model from '../../model/sessions/signIn.js'
import { requireAccess, type Resolver } from '../context.js'
import { toPayload } from '../payload.js'

export const signIn: Resolver<model.SignInInput> = async (_, args, ctx) => {
  requireAccess(ctx, 'signIn')
  return toPayload(await model.signIn(ctx.deps, args))
}
