import type { FastifyRequest } from 'fastify'

/**
 * How a request appears in the log. The path only: a query string may carry a password, a token
 * or a whole GraphQL document (`GET /tenant?query=…&variables=…`, `/introspect?token=…`), and log
 * lines end up in places with wider access than the database. No headers either: they carry the
 * bearer token. (Fastify's default logs `req.url` as it came, query and all.)
 */
export function requestSerializer(request: Pick<FastifyRequest, 'method' | 'url' | 'hostname' | 'ip'> & { socket?: { remotePort?: number } }) {
  return {
    method: request.method,
    url: pathOnly(request.url),
    hostname: request.hostname,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  }
}

/** `url` up to its first `?` (a `#` never reaches a server, but is cut off too in case a client sends one). */
export function pathOnly(url: string): string {
  const end = url.search(/[?#]/)
  return end === -1 ? url : url.slice(0, end)
}
