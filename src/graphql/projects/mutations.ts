import * as create from '../../model/projects/createProject.js'
import * as update from '../../model/projects/updateProject.js'
import { setProjectSecret as setSecret } from '../../model/projects/setProjectSecret.js'
import { isValidSlug } from '../../model/projects/slug.js'
import { isTokenHash } from '../../model/api-keys/createApiKey.js'
import { requireAccess, type Resolver } from '../context.js'
import { UserInputError } from '../errors.js'
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
  const deployTokenHash = args.options?.noDeployToken ? null : args.options?.deployTokenHash ?? args.deployTokenHash ?? null
  if (deployTokenHash !== null && !isTokenHash(deployTokenHash)) throw new UserInputError('deployTokenHash must be a sha256 hash: 64 lower-case hex characters')
  return toPayload(await create.createProject(ctx.deps, {
    slug: args.projectSlug, name: args.name, config: args.config, secrets: args.secrets, deployTokenHash,
  }), ({ deployerApiKey }) => ({ deployerApiKey }))
}

export const updateProject: Resolver<{ projectSlug: string; name?: string | null; config?: unknown; mergeConfig?: boolean | null }> = async (_, args, ctx) => {
  requireAccess(ctx, 'updateProject')
  const result = await update.updateProject(ctx.deps, args.projectSlug, args)
  // A config the ACL rules refuse is bad input: the schema has no payload code for it.
  if (!result.ok && result.code === 'INVALID_CONFIG') throw new UserInputError(result.message)
  return toPayload(result)
}

export const setProjectSecret: Resolver<{ projectSlug: string; key: string; value: string }> = async (_, args, ctx) => {
  requireAccess(ctx, 'updateProject')
  return toPayload(await setSecret(ctx.deps, args.projectSlug, args.key, args.value))
}
