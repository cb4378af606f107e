import type { Deps } from '../deps.js'
import { fail, ok, type Result } from '../result.js'
import { selectProjectBySlug, upsertProjectSecret } from '../../db/queries/projects.js'
import { projectNotFound } from './projectAccess.js'

/** Bound into the ciphertext: a sealed value copied to another project or key does not decrypt. */
export const secretContext = (projectId: string, key: string) => `project-secret:${projectId}:${key}`

export async function setProjectSecret(deps: Deps, slug: string, key: string, value: string): Promise<Result<null, 'PROJECT_NOT_FOUND'>> {
  return deps.db.transaction(async (tx) => {
    const project = await selectProjectBySlug(tx, slug, true)
    if (!project) return fail('PROJECT_NOT_FOUND', projectNotFound(slug))
    await upsertProjectSecret(tx, project.id, key, deps.secrets.encrypt(value, secretContext(project.id, key)), deps.clock.now())
    return ok(null)
  })
}
