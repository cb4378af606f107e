import * as model from '../../model/sessions/revokeSession.js'
import type { Resolver } from '../context.js'
import { toPayload } from '../payload.js'

export const revokeSession: Resolver<{ sessionId: string }> = async (_, args, ctx) =>
  toPayload(await model.revokeSession(ctx.deps, ctx.caller, args.sessionId))
