import * as model from '../../model/mail/addMailTemplate.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

export const addMailTemplate: Resolver<{ template: model.MailTemplateInput }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await model.addMailTemplate(ctx.deps, ctx.caller, args.template), { forbidden: ['FORBIDDEN'], input: ['INVALID_INPUT'] }))
