import * as model from '../../model/authLog/authLog.js'
import type { AuthLogFilter } from '../../model/rows.js'
import type { Resolver } from '../context.js'
import { valueOf } from '../errors.js'

export const authLog: Resolver<{ filter?: AuthLogFilter | null; limit?: number | null; offset?: number | null }> = async (_, args, ctx) =>
  valueOf(await model.authLog(ctx.deps, ctx.caller, args))
