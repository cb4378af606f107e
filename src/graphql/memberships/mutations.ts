import * as model from '../../model/memberships/projectMembers.js'
import type { Membership } from '../../model/acl/projectAcl.js'
import { mayViewProject } from '../../model/projects/projectAccess.js'
import type { Result } from '../../model/result.js'
import type { Context, Resolver } from '../context.js'
import { ForbiddenError } from '../errors.js'
import { toPayload } from '../payload.js'
import { accessBySlug } from '../projects/access.js'

type Args = { projectSlug: string; identityId: string; memberships?: Membership[] }

/**
 * The project, or PROJECT_NOT_FOUND. A project the caller may not even see is "not found" too,
 * so the answer does not reveal which slugs exist.
 */
async function project(ctx: Context, slug: string) {
  const access = await accessBySlug(ctx, slug)
  return access && mayViewProject(access) ? access : null
}

const notFound = (slug: string) => toPayload({ ok: false, code: 'PROJECT_NOT_FOUND', message: `Project ${slug} not found` })

function answer<C extends string>(result: Result<null, C | 'FORBIDDEN'>) {
  if (!result.ok && result.code === 'FORBIDDEN') throw new ForbiddenError(result.message)
  return toPayload(result)
}

export const addProjectMember: Resolver<Args> = async (_, args, ctx) => {
  const access = await project(ctx, args.projectSlug)
  if (!access) return notFound(args.projectSlug)
  return answer(await model.addProjectMember(ctx.deps, access, args.identityId, args.memberships ?? []))
}

export const updateProjectMember: Resolver<Args> = async (_, args, ctx) => {
  const access = await project(ctx, args.projectSlug)
  if (!access) return notFound(args.projectSlug)
  return answer(await model.updateProjectMember(ctx.deps, access, args.identityId, args.memberships ?? []))
}

export const removeProjectMember: Resolver<Args> = async (_, args, ctx) => {
  const access = await project(ctx, args.projectSlug)
  if (!access) return notFound(args.projectSlug)
  return answer(await model.removeProjectMember(ctx.deps, access, args.identityId))
}
