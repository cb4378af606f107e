import { mayActOnIdentity, type Action } from '../../model/acl/permissions.js'
import { findPerson } from '../../model/persons/findPerson.js'
import { forbidden, requireAccess, type Context } from '../context.js'

/**
 * For operations on another person: the caller must hold the action, the person must exist
 * (`notFound` is that operation's code), and the person may hold no global role the caller
 * could not grant (a project admin may not act as, or take over, a super admin or an
 * introspector). The action is checked first, so a caller without it learns nothing about which
 * persons exist.
 */
export async function personToManage<C extends string>(
  ctx: Context, action: Action, by: { id: string } | { email: string }, notFound: C, notFoundMessage?: string,
) {
  requireAccess(ctx, action)
  const person = await findPerson(ctx.deps, by, notFound, notFoundMessage)
  if (person.ok && !mayActOnIdentity(ctx.principal.roles, person.value.roles)) {
    throw forbidden(action, action === 'createSessionToken' ? ' for this person.' : '')
  }
  return person
}

/**
 * For the `my` operations: the caller's own person. An identity without one (the login token,
 * an application key) gets NOT_A_PERSON, as in the reference, rather than a ForbiddenError.
 */
export async function myPerson(ctx: Context, action: Action, notAPerson: string) {
  const person = await findPerson(ctx.deps, { identityId: ctx.principal.identityId }, 'NOT_A_PERSON', notAPerson)
  if (person.ok) requireAccess(ctx, action)
  return person
}
