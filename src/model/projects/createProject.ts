import type { Deps } from '../deps.js'
import { fail, ok, type Result } from '../result.js'
import { isUniqueViolation } from '../../db/errors.js'
import { insertProject, upsertProjectSecret } from '../../db/queries/projects.js'
import { parseProjectAcl } from '../acl/projectAcl.js'
import { createProjectApiKey, type CreatedApiKey } from '../api-keys/createApiKey.js'
import { secretContext } from './setProjectSecret.js'

export type CreateProjectErrorCode = 'ALREADY_EXISTS' | 'INIT_ERROR'

export interface CreateProjectInput {
  slug: string
  name?: string | null
  config?: unknown
  secrets?: readonly { key: string; value: string }[] | null
  /** sha256 (hex) of a deploy token the caller made: an API key with the project's `deployer` role. */
  deployTokenHash?: string | null
}

/**
 * Creates a project with its config (roles under `acl`, checked first: an invalid ACL is
 * INIT_ERROR and nothing is created), its secrets (encrypted) and optionally a deploy key.
 */
export async function createProject(deps: Deps, input: CreateProjectInput): Promise<Result<{ deployerApiKey: CreatedApiKey | null }, CreateProjectErrorCode>> {
  const acl = parseProjectAcl(input.config ?? {})
  if (!acl.ok) return fail('INIT_ERROR', `Project config is invalid: ${acl.message}`)
  return deps.db.transaction(async (tx) => {
    const now = deps.clock.now()
    let project
    try {
      project = await insertProject(tx, { slug: input.slug, name: input.name ?? input.slug, config: input.config ?? {}, at: now })
    } catch (error) {
      if (isUniqueViolation(error, 'project_slug_unique')) return fail('ALREADY_EXISTS', `Project ${input.slug} already exists`)
      throw error
    }
    for (const secret of input.secrets ?? []) {
      await upsertProjectSecret(tx, project.id, secret.key, deps.secrets.encrypt(secret.value, secretContext(project.id, secret.key)), now)
    }
    const deployerApiKey = input.deployTokenHash
      ? await createProjectApiKey(tx, deps, { projectId: project.id, memberships: [{ role: 'deployer', variables: [] }], description: `Deploy key for ${input.slug}`, tokenHash: input.deployTokenHash, globalRoles: ['deployer'] })
      : null
    return ok({ deployerApiKey })
  })
}
