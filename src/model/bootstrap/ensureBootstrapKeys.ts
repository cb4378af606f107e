import type { Deps } from '../deps.js'
import { announceIdentityChanged, announceKeyChanged } from '../auth/announce.js'
import { insertApiKey, updateApiKeyTokenHash } from '../../db/queries/apiKeys.js'
import { insertBootstrapKey, restoreBootstrapIdentity, selectBootstrapKey, type BootstrapKeyName } from '../../db/queries/bootstrapKeys.js'
import { insertIdentity } from '../../db/queries/identities.js'
import { generateToken, hashToken, sameHash } from '../tokens.js'

// Nodes starting together must not both generate a token; they queue on this lock.
const BOOTSTRAP_LOCK = '128043282625653'

const parts: Record<BootstrapKeyName, { role: string; description: string }> = {
  root: { role: 'super_admin', description: 'Root token (CONTEMBER_ROOT_TOKEN)' },
  login: { role: 'login', description: 'Login token (CONTEMBER_LOGIN_TOKEN)' },
}

export interface BootstrapOutcome {
  /** Tokens made at this start because the environment gave none and none existed yet. */
  generated: Partial<Record<BootstrapKeyName, string>>
  /** Keys whose token the environment changed. */
  rotated: BootstrapKeyName[]
  /**
   * The identities of the root and login tokens. The API refuses to change their roles, keys,
   * memberships or to disable their person; every start restores their role and key.
   */
  identityIds: Record<BootstrapKeyName, string>
  /** CONTEMBER_ROOT_EMAIL made a new person at this start. */
  rootPersonCreated?: boolean
  /** No TENANT_ENCRYPTION_KEY: one was generated into DATA_DIR at this start. */
  encryptionKeyGenerated?: boolean
  /** DATA_DIR (PGlite) was readable or writable by other accounts and was made private at this start. */
  dataDirMadePrivate?: boolean
}

/**
 * Makes sure the root and login identities exist with a working token.
 * A token given in the environment wins: its hash replaces the stored one (rotation, same
 * identity). Without one, an existing key is kept; on a fresh database a token is generated
 * and returned once, so the caller can print it. Only hashes reach the database.
 */
export async function ensureBootstrapKeys(
  deps: Deps,
  tokens: Partial<Record<BootstrapKeyName, string | undefined>>,
): Promise<BootstrapOutcome> {
  return deps.db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK})`)
    const outcome: BootstrapOutcome = { generated: {}, rotated: [], identityIds: { root: '', login: '' } }
    for (const name of ['root', 'login'] as const) {
      const given = tokens[name]
      const existing = await selectBootstrapKey(tx, name)
      if (existing) {
        outcome.identityIds[name] = existing.identityId
        if (given !== undefined && !sameHash(existing.tokenHash, hashToken(given))) {
          await updateApiKeyTokenHash(tx, existing.apiKeyId, hashToken(given))
          await announceKeyChanged(deps, tx, existing.tokenHash)
          outcome.rotated.push(name)
        }
        // Whatever happened to them before (a database edited by hand, an older version that let
        // the API change them), the special identities hold exactly their role and a working key.
        const restore = { apiKeyId: existing.apiKeyId, identityId: existing.identityId, role: parts[name].role, dropMemberships: name === 'login' }
        if (await restoreBootstrapIdentity(tx, restore)) await announceIdentityChanged(deps, tx, existing.identityId)
        continue
      }
      const token = given ?? generateToken()
      if (given === undefined) outcome.generated[name] = token
      const identity = await insertIdentity(tx, { roles: [parts[name].role] })
      const key = await insertApiKey(tx, {
        identityId: identity.id,
        type: 'permanent',
        tokenHash: hashToken(token),
        description: parts[name].description,
        createdAt: deps.clock.now(),
      })
      await insertBootstrapKey(tx, name, key.id)
      outcome.identityIds[name] = identity.id
    }
    return outcome
  })
}
