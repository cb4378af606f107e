/**
 * Where a request comes from: the client's address (the connection's, or what a trusted proxy
 * says: TRUST_PROXY) and its user agent, as sessions and the auth log record them.
 */
export interface ClientInfo {
  ip: string | null
  userAgent: string | null
}

/** The longest user agent kept; browsers send about 150 characters, and a caller may send anything. */
export const MAX_USER_AGENT_LENGTH = 512

export function clientInfo(ip: string | undefined, userAgent: string | string[] | undefined): ClientInfo {
  const agent = Array.isArray(userAgent) ? userAgent[0] : userAgent
  return { ip: ip || null, userAgent: agent ? agent.slice(0, MAX_USER_AGENT_LENGTH) : null }
}
