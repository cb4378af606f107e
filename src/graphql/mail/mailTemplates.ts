import * as model from '../../model/mail/mailTemplates.js'
import type { Resolver } from '../context.js'
import { valueOf } from '../errors.js'

export const mailTemplates: Resolver = async (_, __, ctx) =>
  valueOf(await model.mailTemplates(ctx.deps, ctx.caller)).map((t) => ({
    projectSlug: t.projectSlug,
    type: t.mailType,
    variant: t.variant === '' ? null : t.variant,
    subject: t.subject,
    content: t.content,
    useLayout: t.useLayout,
    replyTo: t.replyTo,
  }))
