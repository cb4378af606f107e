import { ForbiddenError, UserInputError } from './errors.js'
import type { Context, Resolver } from './context.js'

/** Where the outcome of each root field goes (the metrics; nothing when they are off). */
export interface OutcomeRecorder {
  operation(field: string, type: 'query' | 'mutation', outcome: string): void
}

/**
 * Records how each root field ended: `ok`, the error code of a business failure in the payload
 * (`{ ok: false, error: { code } }`, whatever the caller selected), `forbidden`, `invalid`
 * (arguments refused) or `error` (anything else thrown).
 */
export function withOutcomes<R extends Record<string, Resolver<any, any, any>>>(type: 'query' | 'mutation', resolvers: R): R {
  return Object.fromEntries(Object.entries(resolvers).map(([field, resolve]) => {
    const failed = (ctx: Context, error: unknown) =>
      ctx.outcomes?.operation(field, type, error instanceof ForbiddenError ? 'forbidden' : error instanceof UserInputError ? 'invalid' : 'error')
    // A resolver that answers at once (`me`) is counted at once, without a promise in between.
    return [field, (parent: unknown, args: Record<string, unknown>, ctx: Context) => {
      let value: unknown
      try {
        value = resolve(parent, args, ctx)
      } catch (error) {
        failed(ctx, error)
        throw error
      }
      if (!(value instanceof Promise)) {
        ctx.outcomes?.operation(field, type, outcomeOf(value))
        return value
      }
      return value.then((settled) => {
        ctx.outcomes?.operation(field, type, outcomeOf(settled))
        return settled
      }, (error: unknown) => {
        failed(ctx, error)
        throw error
      })
    }]
  })) as R
}

function outcomeOf(value: unknown): string {
  if (typeof value !== 'object' || value === null || (value as { ok?: unknown }).ok !== false) return 'ok'
  const code = (value as { error?: { code?: unknown } }).error?.code
  return typeof code === 'string' ? code : 'error'
}
