import { selectGlobalApiKeys, type ApiKeyRow } from '../../db/queries/apiKeys.js'
import { requireAccess, type Resolver } from '../context.js'

export const globalApiKeys: Resolver<Record<string, never>, unknown, ApiKeyRow[]> = (_, __, ctx) => {
  requireAccess(ctx, 'viewGlobalApiKeys')
  return selectGlobalApiKeys(ctx.deps.db)
}

export const ApiKey = {
  type: (key: ApiKeyRow) => key.type.toUpperCase(),
  enabled: (key: ApiKeyRow) => key.disabledAt === null,
}
