import * as model from '../../model/persons/signUp.js'
import { exceedsHashCeilings, HASH_CEILINGS, isSupportedPasswordHash } from '../../model/passwords/hashing.js'
import { mayAssignGlobalRoles } from '../../model/acl/permissions.js'
import { forbidden, requireAccess, type Resolver } from '../context.js'
import { UserInputError } from '../errors.js'
import { toPayload } from '../payload.js'

type Args = { email: string; password?: string | null; passwordHash?: string | null; roles?: string[] | null; name?: string | null }

export const signUp: Resolver<Args> = async (_, args, ctx) => {
  requireAccess(ctx, 'signUp')
  if (args.roles?.length && !mayAssignGlobalRoles(ctx.principal.roles, args.roles)) throw forbidden('signUp')
  if (args.password != null && args.passwordHash != null) throw new UserInputError('Give either password or passwordHash, not both')
  if (args.passwordHash != null && !isSupportedPasswordHash(args.passwordHash)) {
    throw new UserInputError('Invalid password hash. Only bcrypt ($2a$, $2b$, $2y$) and argon2 hashes are accepted.')
  }
  if (args.passwordHash != null && exceedsHashCeilings(args.passwordHash)) {
    const c = HASH_CEILINGS
    throw new UserInputError(`Password hash is too costly to verify: bcrypt cost at most ${c.bcryptCost}; argon2 m at most ${c.argon2MemoryKiB}, t at most ${c.argon2TimeCost}, p at most ${c.argon2Parallelism}.`)
  }
  return toPayload(await model.signUp(ctx.deps, args), (person) => ({ person }))
}
