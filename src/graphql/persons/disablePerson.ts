import * as model from '../../model/persons/disablePerson.js'
import { isBootstrapIdentity } from '../../model/deps.js'
import { forbidden, type Resolver } from '../context.js'
import { toPayload } from '../payload.js'
import { personToManage } from './manage.js'

export const disablePerson: Resolver<{ personId: string }> = async (_, args, ctx) => {
  const person = await personToManage(ctx, 'disablePerson', { id: args.personId }, 'PERSON_NOT_FOUND')
  if (!person.ok) return toPayload(person)
  // The root person shares the root token's identity: disabling it would stop the root token too,
  // and nothing could enable it again.
  if (isBootstrapIdentity(ctx.deps, person.value.identityId)) throw forbidden('disablePerson', ': the root person follows the environment')
  return toPayload(await model.disablePerson(ctx.deps, person.value.id, person.value.identityId))
}
