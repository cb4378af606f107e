import { GraphQLError } from 'graphql'
import type { FastifyBaseLogger } from 'fastify'
import { isDatabaseUnavailable, unavailableMessage } from '../model/availability.js'

/**
 * A permission failure. Like the reference it is a GraphQL error with HTTP 200 and
 * `extensions.code = "ForbiddenError"`, not a business error in the payload.
 */
export class ForbiddenError extends Error {
  readonly extensions = { code: 'ForbiddenError' }
}

/** An impossible argument mix (e.g. both `password` and `passwordHash`): the reference's UserInputError. */
export class UserInputError extends Error {
  readonly extensions = { code: 'UserInputError' }
}

interface ExecutionLike {
  data?: unknown
  errors: readonly GraphQLError[]
}

interface FormattedError {
  message: string
  locations?: readonly { line: number; column: number }[]
  path?: readonly (string | number)[]
  extensions?: Record<string, unknown>
}

/**
 * True for errors graphql-js made about the request itself (syntax, validation, variable
 * coercion): following `originalError` down never reaches anything but a GraphQLError.
 */
const isRequestError = (error: GraphQLError): boolean => {
  const cause = error.originalError
  if (cause === undefined || cause === null) return true
  return cause instanceof GraphQLError && isRequestError(cause)
}

/** A transport error of Fastify or Mercurius (bad JSON, wrong content type, too large): a 4xx. */
const clientStatus = (error: GraphQLError): number | null => {
  const status = (error.originalError as { statusCode?: unknown } | undefined)?.statusCode
  return typeof status === 'number' && status >= 400 && status < 500 ? status : null
}

/**
 * Shapes GraphQL errors as the reference does, and keeps internals out of responses:
 * - a document that does not parse or validate: HTTP 400, `{ errors: [{ message, locations }] }`;
 * - ForbiddenError and UserInputError: their message and code, HTTP 200 (400 when no data is left);
 * - anything else thrown by a resolver is a bug or an outage: logged with the request id and
 *   answered with a generic message carrying that id, never the error's own text or stack.
 */
export function formatExecution(execution: ExecutionLike, requestId: string, log: FastifyBaseLogger):
    { statusCode: number; response: { data?: unknown; errors: FormattedError[] } } {
  const flat = execution.errors.flatMap((error) => {
    // Mercurius wraps validation failures in one error holding the list.
    const inner = (error.originalError as { errors?: unknown } | undefined)?.errors
    return Array.isArray(inner) ? inner as GraphQLError[] : [error]
  })
  const hasData = execution.data !== undefined && execution.data !== null
  const transport = !hasData && flat.length === 1 ? clientStatus(flat[0]!) : null
  if (transport !== null) {
    // Mercurius calls a request without `query` an unknown persisted query; say what is wrong.
    const missingQuery = (flat[0]!.originalError as { code?: string }).code === 'MER_ERR_GQL_PERSISTED_QUERY_NOT_FOUND'
    return { statusCode: transport, response: { errors: [{ message: missingQuery ? 'Missing request query' : flat[0]!.message }] } }
  }
  if (!hasData && flat.every(isRequestError)) {
    return {
      statusCode: 400,
      response: { errors: flat.map((e) => ({ message: e.message, ...(e.locations ? { locations: e.locations } : {}) })) },
    }
  }
  let internal = false
  let unavailable = false
  const errors = flat.map((error): FormattedError => {
    const base = { ...(error.locations ? { locations: error.locations } : {}), ...(error.path ? { path: error.path } : {}) }
    if (error.originalError instanceof ForbiddenError || error.originalError instanceof UserInputError) {
      return { message: error.message, ...base, extensions: error.originalError.extensions }
    }
    if (isRequestError(error)) return { message: error.message, ...base }
    if (isDatabaseUnavailable(error.originalError)) {
      unavailable = true
      log.warn({ requestId, path: error.path }, 'database unavailable')
      return { message: unavailableMessage(requestId), ...base, extensions: { code: 'SERVICE_UNAVAILABLE', requestId } }
    }
    internal = true
    log.error({ err: error.originalError, requestId, path: error.path }, 'resolver failed')
    return {
      message: `Internal server error (request id ${requestId})`,
      ...base,
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
    }
  })
  // Like the reference: errors that leave no data at all (a refused non-null query field) are a 400.
  return {
    statusCode: unavailable ? 503 : hasData ? 200 : internal ? 500 : 400,
    response: { data: execution.data ?? null, errors },
  }
}

/**
 * Use cases name some refusals the schema has no payload code for (FORBIDDEN, TOKEN_HASH_IN_USE):
 * those leave as the GraphQL errors they are; every other result passes through.
 */
export function raiseUnnamed<R extends { ok: boolean }>(result: R, codes: { input?: readonly string[]; forbidden?: readonly string[] }): R {
  if (result.ok) return result
  const { code, message } = result as unknown as { code: string; message: string }
  if (codes.input?.includes(code)) throw new UserInputError(message)
  if (codes.forbidden?.includes(code)) throw new ForbiddenError(message)
  return result
}

/**
 * A read's value. Reads fail only as FORBIDDEN (a ForbiddenError) or, for impossible arguments,
 * INVALID_INPUT (a UserInputError); anything else would be a bug.
 */
export function valueOf<T>(result: { ok: true; value: T } | { ok: false; code: string; message: string }): T {
  if (result.ok) return result.value
  if (result.code === 'FORBIDDEN') throw new ForbiddenError(result.message)
  if (result.code === 'INVALID_INPUT') throw new UserInputError(result.message)
  throw new Error(`unexpected ${result.code} from a read`)
}
