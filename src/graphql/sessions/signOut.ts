import * as model from '../../model/sessions/signOut.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export const signOut: Resolver<{ all?: boolean | null }> = async (_, args, ctx) => {
  const result = raiseUnnamed(await model.signOut(ctx.deps, ctx.caller, args.all ?? false), { forbidden: ['FORBIDDEN'] })
  return { ...toPayload(result), logoutUrl: result.ok ? result.value.logoutUrl : null }
}
