import * as create from '../../model/projects/createProject.js'
import * as update from '../../model/projects/updateProject.js'
import { setProjectSecret as setSecret } from '../../model/projects/setProjectSecret.js'
import { isValidSlug } from '../../model/projects/slug.js'
import { isTokenHash } from '../../model/api-keys/createApiKey.js'
import { may } from '../../model/acl/permissions.js'
import { requireAccess, type Resolver } from '../context.js'
import { ForbiddenError, raiseUnnamed, UserInputError } from '../errors.js'
import { toPayload } from '../payload.js'

type CreateArgs = {
  projectSlug: string; name?: string | null; config?: unknown; secrets?: { key: string; value: string }[] | null
  options?: { deployTokenHash?: string | null; noDeployToken?: boolean | null } | null; deployTokenHash?: string | null
}

/** Secret keys are indexed (one value per project and key): a key must fit an index entry. */
const MAX_SECRET_KEY_LENGTH = 255
const checkSecretKey = (key: string) => {
  if (key.length > MAX_SECRET_KEY_LENGTH) throw new UserInputError(`A secret key must be at most ${MAX_SECRET_KEY_LENGTH} characters long`)
}

export const createProject: Resolver<CreateArgs> = async (_, args, ctx) => {
  requireAccess(ctx, 'createProject')
  for (const secret of args.secrets ?? []) checkSecretKey(secret.key)
  if (!isValidSlug(args.projectSlug)) {
    throw new UserInputError('projectSlug must be 1 to 255 letters, digits, "_" or "-"')
  }
  if (args.config != null && (typeof args.config !== 'object' || Array.isArray(args.config))) throw new UserInputError('config must be a JSON object')
  const hash = args.options?.deployTokenHash ?? args.deployTokenHash ?? null
  if (hash !== null && !isTokenHash(hash)) throw new UserInputError('Invalid format of deployTokenHash. Must be hex-encoded sha256.')
  return toPayload(raiseUnnamed(await create.createProject(ctx.deps, {
    slug: args.projectSlug,
    name: args.name,
    config: args.config,
    secrets: args.secrets,
    creator: { identityId: ctx.principal.identityId, roles: ctx.principal.roles },
    // As in the reference: a deploy token is made unless the caller brings its own or declines.
    deployKey: args.options?.noDeployToken ? false : hash ?? true,
  }), { input: ['TOKEN_HASH_IN_USE'] }))
}

// Both are for super admins only, as in the reference: they change what every member gets.
export const updateProject: Resolver<{ projectSlug: string; name?: string | null; config?: unknown; mergeConfig?: boolean | null }> = async (_, args, ctx) => {
  if (!may(ctx.principal.roles, 'updateProject')) throw new ForbiddenError('You are not allowed to update a project')
  const result = await update.updateProject(ctx.deps, args.projectSlug, args)
  // A config the ACL rules refuse is bad input: the schema has no payload code for it.
  if (!result.ok && result.code === 'INVALID_CONFIG') throw new UserInputError(result.message)
  return toPayload(result)
}

export const setProjectSecret: Resolver<{ projectSlug: string; key: string; value: string }> = async (_, args, ctx) => {
  if (!may(ctx.principal.roles, 'updateProject')) throw new ForbiddenError('You are not allowed to set project secrets')
  checkSecretKey(args.key)
  return toPayload(await setSecret(ctx.deps, args.projectSlug, args.key, args.value))
}
