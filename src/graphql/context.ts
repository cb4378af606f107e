import type { Deps } from '../model/deps.js'
import type { Principal } from '../model/auth/authenticate.js'

/** What every resolver gets: the dependencies, the caller, and the request id for logs. */
export interface Context {
  deps: Deps
  principal: Principal
  requestId: string
}

export type Resolver<Args = Record<string, never>, Parent = unknown, Out = unknown> =
  (parent: Parent, args: Args, ctx: Context) => Promise<Out> | Out
