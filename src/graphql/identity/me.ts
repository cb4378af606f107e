import type { IdentityRow } from '../../model/rows.js'
import type { Resolver } from '../context.js'

/**
 * Anyone with a valid token may ask who it is, the login token included. The identity comes
 * from the verified key (cached per node, dropped when roles or the person change), so
 * `{ me { id roles } }` costs no query.
 */
export const me: Resolver<Record<string, never>, unknown, IdentityRow> = (_, __, ctx) => ({
  id: ctx.principal.identityId,
  description: ctx.principal.identityDescription,
  roles: ctx.principal.roles,
  personId: ctx.principal.personId,
})
