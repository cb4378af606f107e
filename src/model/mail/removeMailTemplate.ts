import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import type { Caller } from '../auth/authenticate.js'
import { fail, ok, type Result } from '../result.js'
import { deleteMailTemplate } from '../../db/queries/mail.js'
import type { MailType } from '../../mail/defaults.js'
import { mailTemplateScope } from './mailTemplateAccess.js'

export type RemoveMailTemplateErrorCode = 'PROJECT_NOT_FOUND' | 'TEMPLATE_NOT_FOUND' | 'FORBIDDEN'

/** Removes the template of exactly this project (or none), type and variant; the mail falls back to the next one. */
export async function removeMailTemplate(deps: Deps, caller: Caller, input: { projectSlug?: string | null; type: MailType; variant?: string | null }):
    Promise<Result<null, RemoveMailTemplateErrorCode>> {
  const scope = await mailTemplateScope(deps, caller, input.projectSlug)
  if (!scope.ok) return scope
  return deps.db.transaction(async (tx) => {
    if (!await deleteMailTemplate(tx, { projectId: scope.value?.id ?? null, mailType: input.type, variant: input.variant ?? '' })) return fail('TEMPLATE_NOT_FOUND', 'Mail template not found')
    await recordAuthEvent(deps, tx, caller, { type: 'mail_template_change', success: true, eventData: {
      action: 'remove', projectSlug: input.projectSlug ?? null, mailType: input.type, variant: input.variant ?? '' } })
    return ok(null)
  })
}
