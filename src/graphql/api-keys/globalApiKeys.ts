import * as model from '../../model/api-keys/globalApiKeys.js'
import type { ApiKeyRow } from '../../model/rows.js'
import type { Resolver } from '../context.js'
import { valueOf } from '../errors.js'

export const globalApiKeys: Resolver<Record<string, never>, unknown, ApiKeyRow[]> = async (_, __, ctx) =>
  valueOf(await model.globalApiKeys(ctx.deps, ctx.caller))
