import type { ProjectRow } from '../../model/rows.js'
import { loadProjectAccess, projectAccessFor, type ProjectAccess } from '../../model/projects/projectAccess.js'
import { memo, type Context } from '../context.js'

/** The caller's view of a project, computed once per request. */
export const accessTo = (ctx: Context, project: ProjectRow): Promise<ProjectAccess> =>
  memo(ctx, `access:${project.id}`, () => projectAccessFor(ctx.deps, ctx.caller, project))

export const accessBySlug = (ctx: Context, slug: string): Promise<ProjectAccess | null> =>
  memo(ctx, `access-slug:${slug}`, () => loadProjectAccess(ctx.deps, ctx.caller, slug))
