import * as model from '../../model/sessions/signOut.js'
import { requireAccess, type Resolver } from '../context.js'
import { toPayload } from '../payload.js'

export const signOut: Resolver<{ all?: boolean | null }> = async (_, args, ctx) => {
  // As in the reference, an identity without a person (the login token included) or a
  // permanent key hears why from the payload (NOT_A_PERSON, ...); the role is checked only
  // for a person's session.
  if (ctx.principal.personId !== null && ctx.principal.apiKeyType === 'session') requireAccess(ctx, 'signOut')
  return toPayload(await model.signOut(ctx.deps, ctx.principal, args.all ?? false))
}
