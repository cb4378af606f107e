import * as model from '../../model/projects/projects.js'
import type { ProjectRow } from '../../model/rows.js'
import type { Resolver } from '../context.js'

export const projects: Resolver<Record<string, never>, unknown, ProjectRow[]> = (_, __, ctx) => model.listProjects(ctx.deps, ctx.caller)
