import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { fail, ok, type Result } from '../result.js'
import { selectProjectBySlug, updateProjectRow } from '../../db/queries/projects.js'
import { parseProjectAcl } from '../acl/projectAcl.js'
import { projectNotFound } from './projectAccess.js'
import type { Caller } from '../auth/authenticate.js'
import { may } from '../acl/permissions.js'

/** FORBIDDEN and INVALID_CONFIG are no schema codes: the resolver answers ForbiddenError and UserInputError. */
export type UpdateProjectErrorCode = 'PROJECT_NOT_FOUND' | 'INVALID_CONFIG' | 'FORBIDDEN'

/** Objects merge key by key, recursively; arrays are concatenated (as the reference); anything else is replaced. */
export function deepMerge(base: unknown, patch: unknown): unknown {
  if (Array.isArray(base) && Array.isArray(patch)) return [...base, ...patch]
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch
  const merged: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(patch)) {
    // defineProperty, not assignment: a key named "__proto__" stays a key instead of becoming the prototype.
    Object.defineProperty(merged, key, {
      value: Object.hasOwn(merged, key) ? deepMerge(merged[key], value) : value, enumerable: true, writable: true, configurable: true,
    })
  }
  return merged
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Renames a project and/or replaces its config (or with `mergeConfig` deep-merges into it).
 * The resulting config's ACL is checked before anything is written.
 */
export async function updateProject(deps: Deps, caller: Caller, slug: string, changes: { name?: string | null; config?: unknown; mergeConfig?: boolean | null }):
    Promise<Result<null, UpdateProjectErrorCode>> {
  // For super admins only, as in the reference: it changes what every member gets.
  if (!may(caller.roles, 'updateProject')) return fail('FORBIDDEN', 'You are not allowed to update a project')
  return deps.db.transaction(async (tx) => {
    const project = await selectProjectBySlug(tx, slug, true)
    if (!project) return fail('PROJECT_NOT_FOUND', projectNotFound(slug))
    let config: unknown
    if (changes.config !== undefined) {
      // null clears the config (as the reference): it becomes {}.
      const patch = changes.config ?? {}
      if (!isPlainObject(patch)) return fail('INVALID_CONFIG', 'Project config must be a JSON object')
      config = changes.mergeConfig ? deepMerge(project.config, patch) : patch
      const acl = parseProjectAcl(config)
      if (!acl.ok) return fail('INVALID_CONFIG', `Project config is invalid: ${acl.message}`)
    }
    await updateProjectRow(tx, project.id, { ...(changes.name ? { name: changes.name } : {}), ...(config !== undefined ? { config } : {}) }, deps.clock.now())
    await recordAuthEvent(deps, tx, caller, { type: 'project_update', success: true, eventData: {
      projectSlug: slug, before: { name: project.name, config: project.config }, after: { name: changes.name || project.name, config: config ?? project.config },
    } })
    return ok(null)
  })
}
