import * as model from '../../model/projects/projectBySlug.js'
import type { ProjectRow } from '../../model/rows.js'
import type { Resolver } from '../context.js'
import { accessBySlug } from './access.js'

export const projectBySlug: Resolver<{ slug: string }, unknown, ProjectRow | null> = async (_, args, ctx) =>
  model.visibleProject(await accessBySlug(ctx, args.slug))
