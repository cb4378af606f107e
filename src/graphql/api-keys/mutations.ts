import * as model from '../../model/api-keys/createApiKey.js'
import { disableApiKey as disable, findApiKey } from '../../model/api-keys/disableApiKey.js'
import type { Membership } from '../../model/acl/projectAcl.js'
import { may, mayActOnIdentity, mayAssignGlobalRoles } from '../../model/acl/permissions.js'
import { isBootstrapIdentity } from '../../model/deps.js'
import { selectMemberships } from '../../db/queries/memberships.js'
import { selectIdentitiesByIds } from '../../db/queries/identities.js'
import { selectProjectsByIds } from '../../db/queries/projects.js'
import { administersAllProjects, isProjectAdmin, projectAccessFor, projectNotFound } from '../../model/projects/projectAccess.js'
import { invalidGlobalRole } from '../../model/identities/globalRoles.js'
import { forbidden, requireAccess, type Context, type Resolver } from '../context.js'
import { ForbiddenError, raiseUnnamed, UserInputError } from '../errors.js'
import { toPayload } from '../payload.js'
import { accessBySlug } from '../projects/access.js'

const checkTokenHash = (tokenHash?: string | null) => {
  if (tokenHash != null && !model.isTokenHash(tokenHash)) throw new UserInputError('Invalid format of tokenHash. Must be hex-encoded sha256.')
}

const withToken = (key: model.CreatedApiKey) => ({ apiKey: key })

export const createApiKey: Resolver<{ projectSlug: string; memberships: Membership[]; description: string; tokenHash?: string | null }> = async (_, args, ctx) => {
  const access = await accessBySlug(ctx, args.projectSlug)
  // As in the reference: refused unless the caller administers the project; an unknown
  // project is PROJECT_NOT_FOUND only for those who administer every project.
  if (!access || !isProjectAdmin(access)) {
    if (!administersAllProjects(ctx.principal.roles)) throw new ForbiddenError('You are not allowed to create an API key for this project')
    return toPayload({ ok: false, code: 'PROJECT_NOT_FOUND', message: projectNotFound(args.projectSlug) })
  }
  checkTokenHash(args.tokenHash)
  return toPayload(raiseUnnamed(await model.createApiKey(ctx.deps, access, args), { input: ['TOKEN_HASH_IN_USE'] }), withToken)
}

export const createGlobalApiKey: Resolver<{ description: string; roles?: string[] | null; tokenHash?: string | null }> = async (_, args, ctx) => {
  requireAccess(ctx, 'createGlobalApiKey')
  const roles = args.roles ?? []
  if (!mayAssignGlobalRoles(ctx.principal.roles, roles)) throw forbidden('createGlobalApiKey')
  const invalid = invalidGlobalRole(roles)
  if (invalid !== undefined) throw new UserInputError(`Role "${invalid}" cannot be a global role`)
  checkTokenHash(args.tokenHash)
  const created = await model.createGlobalApiKey(ctx.deps, { roles, description: args.description, tokenHash: args.tokenHash })
  return toPayload(raiseUnnamed(created, { input: ['TOKEN_HASH_IN_USE'] }), withToken)
}

/**
 * Super admins and global project admins may disable a key of an identity holding no global
 * role they could not grant; an admin of projects may disable a key of an application identity
 * without global roles that is a member only of projects it administers.
 */
async function mayDisable(ctx: Context, identityId: string): Promise<boolean> {
  const [identity] = await selectIdentitiesByIds(ctx.deps.db, [identityId])
  if (!identity) return false
  if (may(ctx.principal.roles, 'disableApiKey')) return mayActOnIdentity(ctx.principal.roles, identity.roles)
  if (identity.personId !== null || identity.roles.length > 0) return false
  const groups = await selectMemberships(ctx.deps.db, { identityIds: [identityId] })
  if (groups.length === 0) return false
  const projects = await selectProjectsByIds(ctx.deps.db, groups.map((g) => g.projectId))
  for (const project of projects) {
    if (!isProjectAdmin(await projectAccessFor(ctx.deps, ctx.principal, project))) return false
  }
  return true
}

export const disableApiKey: Resolver<{ id: string }> = async (_, args, ctx) => {
  const key = await findApiKey(ctx.deps, args.id)
  if (!key.ok) {
    // Only those who may disable keys learn that an id is unknown.
    if (!may(ctx.principal.roles, 'disableApiKey')) throw forbidden('disableApiKey')
    return toPayload(key)
  }
  // Not even a super admin: the root and login keys follow the environment, and a disabled login
  // key would stop every sign-in until someone repaired the database by hand.
  if (isBootstrapIdentity(ctx.deps, key.value.identityId)) throw forbidden('disableApiKey', ': the root and login tokens follow the environment')
  if (!await mayDisable(ctx, key.value.identityId)) throw forbidden('disableApiKey')
  return toPayload(await disable(ctx.deps, key.value))
}
