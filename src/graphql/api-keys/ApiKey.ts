import type { ApiKeyRow } from '../../model/rows.js'

/** Field resolvers of ApiKey (its identity is a loader in identity/Identity.ts). */
export const ApiKey = {
  type: (key: ApiKeyRow) => key.type.toUpperCase(),
  enabled: (key: ApiKeyRow) => key.disabledAt === null,
}
