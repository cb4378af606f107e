import type { Deps } from '../deps.js'
import { announceKeyChanged } from '../auth/announce.js'
import { fail, ok, type Result } from '../result.js'
import { selectApiKeyById, setApiKeyDisabled, type ApiKeyRow } from '../../db/queries/apiKeys.js'
import { isUuid } from '../persons/findPerson.js'

export async function findApiKey(deps: Deps, id: string): Promise<Result<ApiKeyRow & { tokenHash: string }, 'KEY_NOT_FOUND'>> {
  // A malformed id would make PostgreSQL throw; for the caller it is an unknown key.
  const key = isUuid(id) ? await selectApiKeyById(deps.db, id) : null
  return key ? ok(key) : fail('KEY_NOT_FOUND', 'API key not found')
}

/** Disables a key: its next request gets 401. Disabling twice succeeds and keeps the first time. */
export async function disableApiKey(deps: Deps, key: { id: string; tokenHash: string }): Promise<Result<null, never>> {
  return deps.db.transaction(async (tx) => {
    await setApiKeyDisabled(tx, key.id, deps.clock.now())
    // Delivered at commit: every node drops the key from its cache, so its next request is a 401.
    await announceKeyChanged(deps, tx, key.tokenHash)
    return ok(null)
  })
}
