import * as model from '../../model/sessions/signIn.js'
import { requireAccess, type Resolver } from '../context.js'
import { toPayload } from '../payload.js'

export const signIn: Resolver<model.SignInInput> = async (_, args, ctx) => {
  requireAccess(ctx, 'signIn')
  const result = await model.signIn(ctx.deps, args)
  if (result.ok) ctx.signedIn.add(result.value.person.identityId)
  return toPayload(result)
}
