import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import type { Caller } from '../auth/authenticate.js'
import { fail, ok, type Result } from '../result.js'
import { upsertMailTemplate } from '../../db/queries/mail.js'
import { templateProblem } from '../../mail/templates.js'
import type { MailType } from '../../mail/defaults.js'
import { isValidEmail } from '../persons/email.js'
import { mailTemplateScope } from './mailTemplateAccess.js'

export interface MailTemplateInput {
  projectSlug?: string | null
  type: MailType
  variant?: string | null
  subject: string
  content: string
  useLayout?: boolean | null
  replyTo?: string | null
}

export type AddMailTemplateErrorCode = 'MISSING_VARIABLE' | 'PROJECT_NOT_FOUND' | 'INVALID_REPLY_EMAIL_FORMAT' | 'FORBIDDEN' | 'INVALID_INPUT'

/**
 * Stores a template for a mail type, globally or for one project, for one variant ('' or none:
 * the default); one with the same project, type and variant is replaced. A template that
 * cannot render, or leaves out what its mail exists to carry (the token of a reset mail), is
 * refused: such a mail would leave its reader stuck. INVALID_INPUT (a template mustache cannot
 * parse) is raised as a user input error.
 */
export async function addMailTemplate(deps: Deps, caller: Caller, input: MailTemplateInput): Promise<Result<null, AddMailTemplateErrorCode>> {
  const scope = await mailTemplateScope(deps, caller, input.projectSlug)
  if (!scope.ok) return scope
  // The address is taken as given (no trimming), as the reference does.
  if (input.replyTo && !isValidEmail(input.replyTo)) return fail('INVALID_REPLY_EMAIL_FORMAT', 'Reply-to email address is not in a valid format')
  const problem = templateProblem(input.type, input)
  if (problem?.kind === 'syntax') return fail('INVALID_INPUT', `Invalid template: ${problem.message}`)
  if (problem?.kind === 'missing') {
    const names = problem.variables.map((name) => `{{${name}}}`).join(' or ')
    return fail('MISSING_VARIABLE', `A ${input.type} mail must show ${names}: without it the mail is of no use to its reader`)
  }
  await deps.db.transaction(async (tx) => {
    await upsertMailTemplate(tx, {
      projectId: scope.value?.id ?? null,
      mailType: input.type,
      variant: input.variant ?? '',
      subject: input.subject,
      content: input.content,
      useLayout: input.useLayout ?? true,
      replyTo: input.replyTo || null,
      at: deps.clock.now(),
    })
    await recordAuthEvent(deps, tx, caller, { type: 'mail_template_change', success: true, eventData: {
      action: 'add', projectSlug: input.projectSlug ?? null, mailType: input.type, variant: input.variant ?? '' } })
  })
  return ok(null)
}
