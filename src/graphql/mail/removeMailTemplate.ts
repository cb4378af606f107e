import * as model from '../../model/mail/removeMailTemplate.js'
import type { MailType } from '../../mail/defaults.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export const removeMailTemplate: Resolver<{ templateIdentifier: { projectSlug?: string | null; type: MailType; variant?: string | null } }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.removeMailTemplate(ctx.deps, ctx.caller, args.templateIdentifier), { forbidden: ['FORBIDDEN'] }))
