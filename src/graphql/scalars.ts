import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql'
import { formatInterval } from '../model/config/interval.js'

const literalToJson = (node: ValueNode, variables?: Record<string, unknown> | null): unknown => {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value)
    case Kind.NULL:
      return null
    case Kind.LIST:
      return node.values.map((v) => literalToJson(v, variables))
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, literalToJson(f.value, variables)]))
    case Kind.VARIABLE:
      return variables?.[node.name.value] ?? null
    default:
      return null
  }
}

export const Json = new GraphQLScalarType({
  name: 'Json',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: literalToJson,
})

/** A request error (HTTP 400), not a resolver failure: a GraphQLError. Years 1 to 9999 only. */
function parseDateTime(text: string | null): Date {
  const date = text === null ? null : new Date(text)
  if (!date || Number.isNaN(date.getTime())) throw new GraphQLError('DateTime must be an ISO 8601 string')
  const year = date.getUTCFullYear()
  if (year < 1 || year > 9999) throw new GraphQLError('DateTime must be between the years 1 and 9999')
  return date
}

export const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  serialize(value) {
    if (value instanceof Date) return value.toISOString()
    if (typeof value === 'string') return new Date(value).toISOString()
    throw new TypeError('DateTime cannot represent a non-date value')
  },
  parseValue: (value) => parseDateTime(typeof value === 'string' ? value : null),
  parseLiteral: (node) => parseDateTime(node.kind === Kind.STRING ? node.value : null),
})

/**
 * Durations. The model keeps seconds, written out as ISO 8601; input is handed on as given,
 * and the use case that reads it says what it accepts (configure answers INVALID_CONFIG).
 */
export const Interval = new GraphQLScalarType({
  name: 'Interval',
  serialize: (value) => (typeof value === 'number' ? formatInterval(value) : value),
  parseValue: (value) => value,
  parseLiteral: (node) => (node.kind === Kind.STRING ? node.value : node.kind === Kind.INT ? Number(node.value) : null),
})
