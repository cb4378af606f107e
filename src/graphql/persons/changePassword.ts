import { setPassword } from '../../model/persons/changePassword.js'
import type { Resolver } from '../context.js'
import { toPayload } from '../payload.js'
import { personToManage } from './manage.js'

export const changePassword: Resolver<{ personId: string; password: string }> = async (_, args, ctx) => {
  const person = await personToManage(ctx, 'changePassword', { id: args.personId }, 'PERSON_NOT_FOUND')
  if (!person.ok) return toPayload(person)
  return toPayload(await setPassword(ctx.deps, person.value, args.password))
}
