import * as model from '../../model/persons/changeProfile.js'
import type { Resolver } from '../context.js'
import { toPayload } from '../payload.js'
import { myPerson } from './manage.js'

export const changeMyProfile: Resolver<{ email?: string | null; name?: string | null }> = async (_, args, ctx) => {
  const person = await myPerson(ctx, 'changeMyProfile', 'Only a person can change a profile.')
  if (!person.ok) return toPayload(person)
  return toPayload(await model.changeProfile(ctx.deps, person.value, args))
}
