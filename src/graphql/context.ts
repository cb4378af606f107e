import type { Deps } from '../model/deps.js'
import type { Caller, Principal } from '../model/auth/authenticate.js'
import type { OutcomeRecorder } from './outcomes.js'
import type { ClientInfo } from '../model/clientInfo.js'

/** What every resolver gets: the dependencies, the caller, and the request id for logs. */
export interface Context {
  deps: Deps
  principal: Principal
  requestId: string
  /** Where the request comes from (sessions and the auth log record it). */
  client: ClientInfo
  /** `principal` with `client`: what use cases that record where a change came from are given. */
  caller: Caller
  /** Per request: values several resolvers need (a project's access for this caller). */
  memo: Map<string, Promise<unknown>>
  /**
   * Identities this request signed in (signIn, createSessionToken): a result describing "the
   * person who just signed in" shows them as they see themselves, not as the caller (the login
   * token) may see them (their roles and all their projects).
   */
  signedIn: Set<string>
  /** Counts how root fields end (metrics); absent when metrics are off. */
  outcomes?: OutcomeRecorder
}

/** Does the caller see this identity as itself (its own, or one this request signed in)? */
export const seesAsSelf = (ctx: Context, identityId: string) =>
  identityId === ctx.principal.identityId || ctx.signedIn.has(identityId)

/** Computes `make()` once per request for `key`. */
export function memo<T>(ctx: Context, key: string, make: () => Promise<T>): Promise<T> {
  let value = ctx.memo.get(key) as Promise<T> | undefined
  if (!value) ctx.memo.set(key, value = make())
  return value
}

export type Resolver<Args = Record<string, never>, Parent = unknown, Out = unknown> =
  (parent: Parent, args: Args, ctx: Context) => Promise<Out> | Out
