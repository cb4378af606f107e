import * as model from '../../model/persons/changeMyPassword.js'
import type { Resolver } from '../context.js'
import { toPayload } from '../payload.js'
import { myPerson } from './manage.js'

export const changeMyPassword: Resolver<{ currentPassword: string; newPassword: string }> = async (_, args, ctx) => {
  const person = await myPerson(ctx, 'changeMyPassword', 'Only a person can change a password')
  if (!person.ok) return toPayload(person)
  return toPayload(await model.changeMyPassword(ctx.deps, person.value, ctx.principal.apiKeyId, args.currentPassword, args.newPassword))
}
