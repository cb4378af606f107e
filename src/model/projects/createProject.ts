import type { Deps } from '../deps.js'
import { fail, ok, type Result } from '../result.js'
import { isUniqueViolation } from '../../db/errors.js'
import { insertProject, upsertProjectSecret } from '../../db/queries/projects.js'
import { ADMIN_ROLE, parseProjectAcl } from '../acl/projectAcl.js'
import { insertMemberships } from '../../db/queries/memberships.js'
import { createProjectApiKey, type CreatedApiKey } from '../api-keys/createApiKey.js'
import { secretContext } from './setProjectSecret.js'

export type CreateProjectErrorCode = 'ALREADY_EXISTS' | 'INIT_ERROR' | 'TOKEN_HASH_IN_USE'

export interface CreateProjectInput {
  slug: string
  /** The creator becomes the project's admin, unless a super admin (who administers every project anyway). */
  creator: { identityId: string; roles: readonly string[] }
  name?: string | null
  config?: unknown
  secrets?: readonly { key: string; value: string }[] | null
  /**
   * The deploy key (an API key with the project's `deployer` role): `false` for none, a sha256
   * (hex) of the caller's own token, or `true` to make a token and return it once.
   */
  deployKey: boolean | string
}

/**
 * Creates a project with its config (roles under `acl`, checked first: an invalid ACL is
 * INIT_ERROR and nothing is created), its secrets (encrypted), a deploy key unless told
 * otherwise (as the reference), and the creator as its admin.
 */
export async function createProject(deps: Deps, input: CreateProjectInput): Promise<Result<{ deployerApiKey: CreatedApiKey | null }, CreateProjectErrorCode>> {
  const acl = parseProjectAcl(input.config ?? {})
  if (!acl.ok) return fail('INIT_ERROR', `Project initialization error: ${acl.message}`)
  return deps.db.transaction(async (tx) => {
    const now = deps.clock.now()
    let project
    try {
      project = await insertProject(tx, { slug: input.slug, name: input.name || input.slug, config: input.config ?? {}, at: now })
    } catch (error) {
      if (isUniqueViolation(error, 'project_slug_unique')) return fail('ALREADY_EXISTS', `Project ${input.slug} already exists`)
      throw error
    }
    for (const secret of input.secrets ?? []) {
      await upsertProjectSecret(tx, project.id, secret.key, deps.secrets.encrypt(secret.value, secretContext(project.id, secret.key)), now)
    }
    if (!input.creator.roles.includes('super_admin')) {
      await insertMemberships(tx, project.id, input.creator.identityId, [{ role: ADMIN_ROLE, variables: [] }], now)
    }
    if (input.deployKey === false) return ok({ deployerApiKey: null })
    const deployerApiKey = await createProjectApiKey(tx, deps, {
      projectId: project.id,
      memberships: [{ role: 'deployer', variables: [] }],
      description: `Deploy key for ${input.slug}`,
      tokenHash: typeof input.deployKey === 'string' ? input.deployKey : null,
    })
    return deployerApiKey.ok ? ok({ deployerApiKey: deployerApiKey.value }) : deployerApiKey
  })
}
