import * as model from '../../model/config/configure.js'
import { loadTenantConfig } from '../../model/config/tenantConfig.js'
import { requireAccess, type Resolver } from '../context.js'
import { toPayload } from '../payload.js'

export const configuration: Resolver = async (_, __, ctx) => {
  requireAccess(ctx, 'viewConfiguration')
  return loadTenantConfig(ctx.deps.db)
}

export const configure: Resolver<{ config: unknown }> = async (_, args, ctx) => {
  requireAccess(ctx, 'configure')
  return toPayload(await model.configure(ctx.deps, args.config))
}
