import * as create from '../../model/projects/createProject.js'
import * as update from '../../model/projects/updateProject.js'
import { setProjectSecret as setSecret } from '../../model/projects/setProjectSecret.js'
import { isValidSlug } from '../../model/projects/slug.js'
import { isTokenHash } from '../../model/api-keys/createApiKey.js'
import { may } from '../../model/acl/permissions.js'
import { requireAccess, type Resolver } from '../context.js'
import { ForbiddenError, UserInputError } from '../errors.js'
import { toPayload } from '../payload.js'

type CreateArgs = {
  projectSlug: string; name?: string | null; config?: unknown; secrets?: { key: string; value: string }[] | null
  options?: { deployTokenHash?: string | null; noDeployToken?: boolean | null } | null; deployTokenHash?: string | null
}

export const createProject: Resolver<CreateArgs> = async (_, args, ctx) => {
  requireAccess(ctx, 'createProject')
  if (!isValidSlug(args.projectSlug)) {
    throw new UserInputError('projectSlug must be lower-case letters, digits and single dashes between them (at most 100 characters)')
  }
  if (args.config != null && (typeof args.config !== 'object' || Array.isArray(args.config))) throw new UserInputError('config must be a JSON object')
  const hash = args.options?.deployTokenHash ?? args.deployTokenHash ?? null
  if (hash !== null && !isTokenHash(hash)) throw new UserInputError('Invalid format of deployTokenHash. Must be hex-encoded sha256.')
  return toPayload(await create.createProject(ctx.deps, {
    slug: args.projectSlug,
    name: args.name,
    config: args.config,
    secrets: args.secrets,
    creator: { identityId: ctx.principal.identityId, roles: ctx.principal.roles },
    // As in the reference: a deploy token is made unless the caller brings its own or declines.
    deployKey: args.options?.noDeployToken ? false : hash ?? true,
  }))
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
  return toPayload(await setSecret(ctx.deps, args.projectSlug, args.key, args.value))
}
