import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { fail, ok, type Result } from '../result.js'
import { isUniqueViolation } from '../../db/errors.js'
import { insertProject, upsertProjectSecret } from '../../db/queries/projects.js'
import { ADMIN_ROLE, parseProjectAcl } from '../acl/projectAcl.js'
import { insertMemberships } from '../../db/queries/memberships.js'
import { createProjectApiKey, invalidTokenHash, isTokenHash, type CreatedApiKey } from '../api-keys/createApiKey.js'
import type { Caller } from '../auth/authenticate.js'
import { forbiddenMessage, may } from '../acl/permissions.js'
import { secretContext, secretKeyProblem } from './setProjectSecret.js'
import { isValidSlug } from './slug.js'

/** FORBIDDEN and the INVALID_ codes, TOKEN_HASH_IN_USE are no schema codes (ForbiddenError, UserInputError). */
export type CreateProjectErrorCode = 'ALREADY_EXISTS' | 'INIT_ERROR' | 'TOKEN_HASH_IN_USE' | 'INVALID_TOKEN_HASH' | 'INVALID_INPUT' | 'FORBIDDEN'

export interface CreateProjectArgs {
  projectSlug: string
  name?: string | null
  config?: unknown
  secrets?: readonly { key: string; value: string }[] | null
  options?: { deployTokenHash?: string | null; noDeployToken?: boolean | null } | null
  /** Deprecated place of options.deployTokenHash. */
  deployTokenHash?: string | null
}

/** createProject as a caller asks for it: who may, and what the arguments must be. */
export async function createProjectAs(deps: Deps, caller: Caller, args: CreateProjectArgs):
    Promise<Result<{ deployerApiKey: CreatedApiKey | null }, CreateProjectErrorCode>> {
  if (!may(caller.roles, 'createProject')) return fail('FORBIDDEN', forbiddenMessage('createProject'))
  for (const secret of args.secrets ?? []) {
    const problem = secretKeyProblem(secret.key)
    if (problem) return fail('INVALID_INPUT', problem)
  }
  if (!isValidSlug(args.projectSlug)) return fail('INVALID_INPUT', 'projectSlug must be 1 to 255 letters, digits, "_" or "-"')
  if (args.config != null && (typeof args.config !== 'object' || Array.isArray(args.config))) return fail('INVALID_INPUT', 'config must be a JSON object')
  const hash = args.options?.deployTokenHash ?? args.deployTokenHash ?? null
  if (hash !== null && !isTokenHash(hash)) return invalidTokenHash('deployTokenHash')
  return createProject(deps, {
    slug: args.projectSlug,
    name: args.name,
    config: args.config,
    secrets: args.secrets,
    creator: { identityId: caller.identityId, roles: caller.roles },
    // As in the reference: a deploy token is made unless the caller brings its own or declines.
    deployKey: args.options?.noDeployToken ? false : hash ?? true,
    caller,
  })
}

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
  /** Who asked, for the auth log (none for projects made at start). */
  caller?: Caller
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
    if (input.caller) await recordAuthEvent(deps, tx, input.caller, { type: 'project_create', success: true, eventData: { projectSlug: project.slug, name: project.name } })
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
