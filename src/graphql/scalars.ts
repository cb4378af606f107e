import { GraphQLScalarType, Kind, type ValueNode } from 'graphql'
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

export const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  serialize(value) {
    if (value instanceof Date) return value.toISOString()
    if (typeof value === 'string') return new Date(value).toISOString()
    throw new TypeError('DateTime cannot represent a non-date value')
  },
  parseValue(value) {
    const date = typeof value === 'string' ? new Date(value) : null
    if (!date || Number.isNaN(date.getTime())) throw new TypeError('DateTime must be an ISO 8601 string')
    return date
  },
  parseLiteral(node) {
    const date = node.kind === Kind.STRING ? new Date(node.value) : null
    if (!date || Number.isNaN(date.getTime())) throw new TypeError('DateTime must be an ISO 8601 string')
    return date
  },
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
