import type { FastifyInstance } from 'fastify'

/**
 * Checks the envelope of a /tenant request before Mercurius sees it, so a malformed one is a 400
 * with the shape of any other request error (`{ errors: [{ message }] }`), never a 500:
 * - a body that is text rather than a JSON object (text/plain): "Missing request query", as the
 *   reference answers;
 * - `query` or `operationName` that is not a string, `variables` that are not a JSON object (over
 *   GET: text that does not parse as one);
 * - a query text larger than `maxBytes`, refused before it is parsed or looked up in the
 *   parsed-query cache (whose keys are these texts).
 */
export function registerEnvelopeChecks(server: FastifyInstance, maxBytes: number): void {
  // Callback style (no promise per request): `done()` lets the request on, a refusal answers instead.
  server.addHook('preValidation', (request, reply, done) => {
    if (request.routeOptions.url !== '/tenant') return done()
    const refuse = (message: string) => void reply.code(400).send({ errors: [{ message }] })
    const envelope: unknown = request.method === 'GET' ? request.query : request.body
    // application/graphql bodies are the query itself (a string Mercurius reads as such).
    if (typeof envelope === 'string' && !isGraphqlBody(request.headers['content-type'])) return refuse('Missing request query')
    if (typeof envelope !== 'string' && (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope))) return done()
    const { query, operationName } = typeof envelope === 'string' ? { query: envelope, operationName: undefined }
      : envelope as { query?: unknown; operationName?: unknown }
    if (query !== undefined && typeof query !== 'string') return refuse('The query must be a string')
    if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return refuse('operationName must be a string')
    if (typeof envelope !== 'string' && !variablesAreAnObject((envelope as { variables?: unknown }).variables, request.method === 'GET')) {
      return refuse('variables must be a JSON object')
    }
    if (typeof query === 'string' && query.length > maxBytes / 4 && Buffer.byteLength(query, 'utf8') > maxBytes) {
      return refuse(`The query is larger than ${maxBytes} bytes`)
    }
    // Mercurius keeps one parsed (and, once used often, compiled) document per query text, and the
    // compiled one runs the operation it was compiled for, whatever operationName a later request
    // names: in a document of several operations the wrong one would run. A comment naming the
    // operation makes each (text, operation) its own entry; it changes nothing else.
    if (typeof query === 'string' && typeof operationName === 'string' && GRAPHQL_NAME.test(operationName) && typeof envelope === 'object') {
      (envelope as { query: string }).query = `${query}\n# operation: ${operationName}`
    }
    done()
  })
}

/** A GraphQL name: nothing else may follow the comment. */
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,127}$/

const isGraphqlBody = (contentType: string | undefined) => /^application\/graphql\b/i.test(contentType ?? '')

/** Variables are absent, null, or a JSON object (over GET, the text of one). */
function variablesAreAnObject(variables: unknown, asText: boolean): boolean {
  if (variables === undefined || variables === null) return true
  let value = variables
  if (asText) {
    if (typeof variables !== 'string') return false
    try {
      value = JSON.parse(variables)
    } catch {
      return false
    }
    if (value === null) return true
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
