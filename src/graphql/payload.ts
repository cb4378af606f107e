import type { Result } from '../model/result.js'

// The one place that builds the reference's mutation payload:
// { ok, error: { code, developerMessage, ... }, errors: [error] (deprecated copy), result }.

export function toPayload<T, C extends string, R = T>(result: Result<T, C>, map?: (value: T) => R) {
  if (result.ok) {
    return { ok: true, error: null, errors: [], result: map ? map(result.value) : result.value }
  }
  const error = {
    code: result.code,
    developerMessage: result.message,
    endUserMessage: null,
    endPersonMessage: null,
    ...result.details,
  }
  return { ok: false, error, errors: [error], result: null }
}
