import * as model from '../../model/persons/changeProfile.js'
import type { Resolver } from '../context.js'
import { toPayload } from '../payload.js'
import { personToManage } from './manage.js'

export const changeProfile: Resolver<{ personId: string; email?: string | null; name?: string | null }> = async (_, args, ctx) => {
  const person = await personToManage(ctx, 'changeProfile', { id: args.personId }, 'PERSON_NOT_FOUND')
  if (!person.ok) return toPayload(person)
  return toPayload(await model.changeProfile(ctx.deps, person.value, args))
}
