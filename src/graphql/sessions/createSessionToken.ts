import * as model from '../../model/sessions/createSessionToken.js'
import { UserInputError } from '../errors.js'
import type { Resolver } from '../context.js'
import { toPayload } from '../payload.js'
import { personToManage } from '../persons/manage.js'

type Args = { email?: string | null; personId?: string | null; expiration?: number | null }

export const createSessionToken: Resolver<Args> = async (_, args, ctx) => {
  // With both, the email wins (as in the reference).
  const person = args.email != null
    ? await personToManage(ctx, 'createSessionToken', { email: args.email }, 'UNKNOWN_EMAIL', `Person with email ${args.email} not found`)
    : args.personId != null
      ? await personToManage(ctx, 'createSessionToken', { id: args.personId }, 'UNKNOWN_PERSON_ID', `Person with id ${args.personId} not found`)
      : null
  if (!person) throw new UserInputError('Please provide either email or personId')
  if (!person.ok) return toPayload(person)
  const result = await model.createSessionToken(ctx.deps, person.value, args.expiration)
  if (result.ok) ctx.signedIn.add(result.value.person.identityId)
  return toPayload(result)
}
