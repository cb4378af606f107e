import * as model from '../../model/persons/disablePerson.js'
import type { Resolver } from '../context.js'
import { toPayload } from '../payload.js'
import { personToManage } from './manage.js'

export const disablePerson: Resolver<{ personId: string }> = async (_, args, ctx) => {
  const person = await personToManage(ctx, 'disablePerson', { id: args.personId }, 'PERSON_NOT_FOUND')
  if (!person.ok) return toPayload(person)
  return toPayload(await model.disablePerson(ctx.deps, person.value.id, person.value.identityId))
}
