import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { fail, ok, type Result } from '../result.js'
import { selectProjectBySlug, upsertProjectSecret } from '../../db/queries/projects.js'
import { projectNotFound } from './projectAccess.js'
import type { Caller } from '../auth/authenticate.js'
import { may } from '../acl/permissions.js'

/** Bound into the ciphertext: a sealed value copied to another project or key does not decrypt. */
export const secretContext = (projectId: string, key: string) => `project-secret:${projectId}:${key}`

/** Secret keys are indexed (one value per project and key): a key must fit an index entry. */
export const MAX_SECRET_KEY_LENGTH = 255

export const secretKeyProblem = (key: string) =>
  key.length > MAX_SECRET_KEY_LENGTH ? `A secret key must be at most ${MAX_SECRET_KEY_LENGTH} characters long` : null

/**
 * For super admins only, as in the reference (it changes what every member gets). FORBIDDEN and
 * INVALID_INPUT are no schema codes: the resolver answers ForbiddenError and UserInputError.
 */
export async function setProjectSecret(deps: Deps, caller: Caller, slug: string, key: string, value: string):
    Promise<Result<null, 'PROJECT_NOT_FOUND' | 'FORBIDDEN' | 'INVALID_INPUT'>> {
  if (!may(caller.roles, 'updateProject')) return fail('FORBIDDEN', 'You are not allowed to set project secrets')
  const problem = secretKeyProblem(key)
  if (problem) return fail('INVALID_INPUT', problem)
  return deps.db.transaction(async (tx) => {
    const project = await selectProjectBySlug(tx, slug, true)
    if (!project) return fail('PROJECT_NOT_FOUND', projectNotFound(slug))
    await upsertProjectSecret(tx, project.id, key, deps.secrets.encrypt(value, secretContext(project.id, key)), deps.clock.now())
    // The key only: never the value.
    await recordAuthEvent(deps, tx, caller, { type: 'project_secret_change', success: true, eventData: { projectSlug: slug, key } })
    return ok(null)
  })
}
