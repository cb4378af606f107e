import { isIP } from 'node:net'

/**
 * Where a request comes from, as sessions and the auth log record it: the client's address and
 * user agent and, when a trusted proxy said so, its country.
 */
export interface ClientInfo {
  ip: string | null
  userAgent: string | null
  /** Reported by a trusted proxy (GEO_COUNTRY_HEADER); null when none did. */
  geoCountry?: string | null
  /** The proxy that passed the client's address and user agent on (trustForwardedClientInfo). */
  forwarderIp?: string | null
  forwarderUserAgent?: string | null
}

/**
 * What a request says about its client, before anyone knows whether to believe it: the
 * connection's address (or what a proxy in TRUST_PROXY put in X-Forwarded-For) and user agent,
 * and the client address and user agent a proxy passed on in X-Contember-Client-IP and
 * X-Contember-Client-User-Agent, believed only for keys made with `trustForwardedClientInfo`.
 */
export interface RequestOrigin {
  socket: ClientInfo
  forwarded: { ip: string | null; userAgent: string | null } | null
  /** The geo header's value; believed from a TRUST_PROXY peer, or with believed forwarded info. */
  geoCountry: string | null
  fromTrustedProxy: boolean
}

/** The longest user agent kept; browsers send about 150 characters, and a caller may send anything. */
export const MAX_USER_AGENT_LENGTH = 512
/** A country is two letters; a region name a few more. Nothing longer reaches the auth log. */
export const MAX_GEO_COUNTRY_LENGTH = 64

export const FORWARDED_IP_HEADER = 'x-contember-client-ip'
export const FORWARDED_USER_AGENT_HEADER = 'x-contember-client-user-agent'

type Header = string | string[] | undefined

const first = (value: Header) => (Array.isArray(value) ? value[0] : value)
const userAgentOf = (value: Header) => {
  const agent = first(value)
  return agent ? agent.slice(0, MAX_USER_AGENT_LENGTH) : null
}
/** An address that does not parse is not an address: it is dropped rather than recorded. */
const addressOf = (value: Header) => {
  const address = first(value)?.trim()
  return address && isIP(address) !== 0 ? address : null
}

function clientInfo(ip: string | undefined, userAgent: Header): ClientInfo {
  return { ip: ip || null, userAgent: userAgentOf(userAgent) }
}

export function requestOrigin(
  ip: string | undefined,
  headers: Record<string, Header>,
  options: { geoCountryHeader: string | null; fromTrustedProxy: boolean },
): RequestOrigin {
  const forwardedIp = addressOf(headers[FORWARDED_IP_HEADER])
  const forwardedUserAgent = userAgentOf(headers[FORWARDED_USER_AGENT_HEADER])
  const geo = options.geoCountryHeader ? first(headers[options.geoCountryHeader])?.trim().slice(0, MAX_GEO_COUNTRY_LENGTH) : undefined
  return {
    socket: clientInfo(ip, headers['user-agent']),
    forwarded: forwardedIp !== null || forwardedUserAgent !== null ? { ip: forwardedIp, userAgent: forwardedUserAgent } : null,
    geoCountry: geo || null,
    fromTrustedProxy: options.fromTrustedProxy,
  }
}

/**
 * The client a request is recorded as. A key made with `trustForwardedClientInfo` (a backend
 * acting for its users) is believed about its client; the proxy itself is kept beside it.
 * Anyone else is the connection (or what TRUST_PROXY said), whatever headers it sent.
 */
export function effectiveClient(origin: RequestOrigin, trustsForwarded: boolean): ClientInfo {
  const { socket, forwarded } = origin
  if (trustsForwarded && forwarded) {
    return {
      ip: forwarded.ip ?? socket.ip,
      userAgent: forwarded.userAgent ?? socket.userAgent,
      geoCountry: origin.geoCountry,
      forwarderIp: socket.ip,
      forwarderUserAgent: socket.userAgent,
    }
  }
  return origin.fromTrustedProxy && origin.geoCountry ? { ...socket, geoCountry: origin.geoCountry } : socket
}
