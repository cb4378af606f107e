import * as model from '../../model/memberships/projectMembers.js'
import type { Membership } from '../../model/acl/projectAcl.js'
import { administersAllProjects, mayViewProject, projectNotFound } from '../../model/projects/projectAccess.js'
import type { Result } from '../../model/result.js'
import type { Context, Resolver } from '../context.js'
import { ForbiddenError } from '../errors.js'
import { toPayload } from '../payload.js'
import { accessBySlug } from '../projects/access.js'

type Args = { projectSlug: string; identityId: string; memberships?: Membership[] }

/**
 * The project as the caller sees it. One it may not see, or that does not exist, is a
 * ForbiddenError for ordinary callers and PROJECT_NOT_FOUND for those who administer every
 * project (as the reference), so nobody learns which slugs exist without the right to.
 */
async function projectOrRefusal(ctx: Context, slug: string, forbidden: string) {
  const access = await accessBySlug(ctx, slug)
  if (access && mayViewProject(access)) return { access }
  if (!administersAllProjects(ctx.principal.roles)) throw new ForbiddenError(forbidden)
  return { refusal: toPayload({ ok: false, code: 'PROJECT_NOT_FOUND', message: projectNotFound(slug) }) }
}

function answer<C extends string>(result: Result<null, C | 'FORBIDDEN'>) {
  if (!result.ok && result.code === 'FORBIDDEN') throw new ForbiddenError(result.message)
  return toPayload(result)
}

export const addProjectMember: Resolver<Args> = async (_, args, ctx) => {
  const { access, refusal } = await projectOrRefusal(ctx, args.projectSlug, 'You are not allowed to add a project member')
  if (!access) return refusal
  return answer(await model.addProjectMember(ctx.deps, access, args.identityId, args.memberships ?? []))
}

export const updateProjectMember: Resolver<Args> = async (_, args, ctx) => {
  const { access, refusal } = await projectOrRefusal(ctx, args.projectSlug, 'You are not allowed to update project member variables')
  if (!access) return refusal
  return answer(await model.updateProjectMember(ctx.deps, access, args.identityId, args.memberships ?? []))
}

export const removeProjectMember: Resolver<Args> = async (_, args, ctx) => {
  const { access, refusal } = await projectOrRefusal(ctx, args.projectSlug, 'You are not allowed to remove a project member')
  if (!access) return refusal
  return answer(await model.removeProjectMember(ctx.deps, access, args.identityId))
}
