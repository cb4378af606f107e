import * as model from '../../model/sessions/signIn.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export const signIn: Resolver<model.SignInInput> = async (_, args, ctx) => {
  const result = raiseUnnamed(await model.signIn(ctx.deps, ctx.caller, args), { forbidden: ['FORBIDDEN'] })
  // The result describes the person who signed in, as they see themselves.
  if (result.ok) ctx.signedIn.add(result.value.person.identityId)
  return toPayload(result)
}
