// A small client for services that accept tenant-api tokens (a content API, an app backend):
// they ask POST /introspect who a token belongs to and what it may do in their project.
// No dependencies beyond the platform's fetch (Node 20 or newer).

/** A membership as introspection reports it: a role and the values of its variables. */
export interface Membership {
  role: string
  variables: readonly { name: string; values: readonly string[] }[]
}

/**
 * What `POST /introspect` answers about a token. Unknown, disabled and expired tokens all
 * answer `{ active: false }`. (The server's own type is checked against this one in its tests.)
 */
export type TokenInfo =
  | { active: false }
  | {
    active: true
    type: 'session' | 'permanent' | 'one_off'
    identityId: string
    personId: string | null
    email: string | null
    /** Always false for now: `email` is what the person typed, not a proven address. Never grant access by it. */
    emailVerified: false
    /** Global roles, e.g. `super_admin`. */
    roles: string[]
    /** Memberships in the project asked about, or null when no project was asked about. */
    project: { slug: string; memberships: Membership[] } | null
    /** ISO 8601, or null for a key that does not expire. */
    expiresAt: string | null
  }

export interface TenantClientOptions {
  /** Where tenant-api runs, e.g. http://127.0.0.1:4000 */
  url: string
  /** A token of an identity with the `introspector` global role (or a super admin). */
  token: string
  /**
   * How long an answer is reused, in milliseconds (default 1000). A revoked token may keep
   * working here for up to this long; 0 asks tenant-api every time (it answers repeated
   * questions from its own cache, which revocation clears at once).
   */
  cacheTtlMs?: number
  /** Largest number of cached answers (default 10,000). */
  maxEntries?: number
  fetch?: typeof fetch
}

export class TenantApiError extends Error {
  constructor(message: string, readonly status: number) {
    super(message)
  }
}

export interface TenantClient {
  /** Who `token` is, and its memberships in `project` when given. Inactive tokens answer `{ active: false }`. */
  verifyToken(token: string, project?: string): Promise<TokenInfo>
  clearCache(): void
}

export function createTenantClient(options: TenantClientOptions): TenantClient {
  const ttl = options.cacheTtlMs ?? 1000
  const max = options.maxEntries ?? 10_000
  const doFetch = options.fetch ?? fetch
  const endpoint = new URL('/introspect', options.url).toString()
  const cache = new Map<string, { at: number; info: Promise<TokenInfo> }>()

  const ask = async (token: string, project?: string): Promise<TokenInfo> => {
    const res = await doFetch(endpoint, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ token, project: project ?? null }),
    })
    if (!res.ok) throw new TenantApiError(`tenant-api introspection answered HTTP ${res.status}`, res.status)
    return await res.json() as TokenInfo
  }

  return {
    verifyToken(token, project) {
      if (ttl <= 0) return ask(token, project)
      const key = `${project ?? ''}\u0000${token}`
      const now = Date.now()
      const hit = cache.get(key)
      if (hit && now - hit.at < ttl) return hit.info
      if (cache.size >= max) cache.delete(cache.keys().next().value!)
      const info = ask(token, project)
      cache.set(key, { at: now, info })
      // A failed question is not remembered.
      info.catch(() => { if (cache.get(key)?.info === info) cache.delete(key) })
      return info
    },
    clearCache: () => cache.clear(),
  }
}

/** The token of an `Authorization: Bearer …` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '')
  return match ? match[1]! : null
}

/** Values of a membership variable across all of a token's memberships in the project. */
export function variableValues(info: TokenInfo, name: string): string[] {
  if (!info.active || !info.project) return []
  return [...new Set(info.project.memberships.flatMap((m) => m.variables.filter((v) => v.name === name).flatMap((v) => v.values)))]
}

type NodeRequest = { headers: { authorization?: string | undefined } }
type NodeResponse = { statusCode: number; setHeader(name: string, value: string): unknown; end(body?: string): unknown }

/**
 * Middleware for node:http, Connect/Express-style servers (and Fastify through a preHandler):
 * answers 401 to requests without an active token, 403 to tokens without a membership in
 * `project`, and otherwise puts the token's info on `req.tenant` and calls `next`.
 */
export function requireMembership(client: TenantClient, project: string) {
  return async (req: NodeRequest & { tenant?: TokenInfo }, res: NodeResponse, next: (error?: unknown) => void) => {
    const deny = (status: number, message: string) => {
      res.statusCode = status
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ error: message }))
    }
    try {
      const token = bearerToken(req.headers.authorization)
      if (!token) return deny(401, 'a Bearer token is required')
      const info = await client.verifyToken(token, project)
      if (!info.active) return deny(401, 'the token is not active')
      if (!info.project || info.project.memberships.length === 0) return deny(403, `the token has no membership in ${project}`)
      req.tenant = info
      next()
    } catch (error) {
      next(error)
    }
  }
}
