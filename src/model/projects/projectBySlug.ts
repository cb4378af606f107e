import type { ProjectRow } from '../../db/queries/projects.js'
import { mayViewProject, type ProjectAccess } from './projectAccess.js'

// projectBySlug: the caller's access comes from the resolver (computed once per request).
/** The project, if the caller may see it (null otherwise, as for an unknown slug). */
export const visibleProject = (access: ProjectAccess | null): ProjectRow | null =>
  access && mayViewProject(access) ? access.project : null
