import * as model from '../../model/sessions/createSessionToken.js'
import type { SignInOptions } from '../../model/sessions/createSession.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

type Args = { email?: string | null; personId?: string | null; expiration?: number | null; options?: SignInOptions | null }

export const createSessionToken: Resolver<Args> = async (_, args, ctx) => {
  const result = raiseUnnamed(await model.createSessionToken(ctx.deps, ctx.caller, args), { input: ['INVALID_INPUT'], forbidden: ['FORBIDDEN'] })
  // The result describes the person who signed in, as they see themselves.
  if (result.ok) ctx.signedIn.add(result.value.person.identityId)
  return toPayload(result)
}
