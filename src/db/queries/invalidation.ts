import type { Queryable } from '../db.js'

// Changes that cached token answers depend on are announced with pg_notify inside the
// transaction that makes them: PostgreSQL delivers the message at commit, to every node, and
// never for a change that rolled back.

export const INVALIDATION_CHANNEL = 'tenant_api_invalidate'

/** A key stopped working (disabled, signed out, rotated). */
export async function notifyKeyChanged(q: Queryable, tokenHash: string): Promise<void> {
  await q.query('SELECT pg_notify($1, $2)', [INVALIDATION_CHANNEL, `key:${tokenHash}`])
}

/** Something every key of an identity answers changed (roles, memberships, person, disabling). */
export async function notifyIdentityChanged(q: Queryable, identityId: string): Promise<void> {
  await q.query('SELECT pg_notify($1, $2)', [INVALIDATION_CHANNEL, `identity:${identityId}`])
}

/** The auth policies changed: every node reads them again at its next sign-in. */
export async function notifyPoliciesChanged(q: Queryable): Promise<void> {
  await q.query('SELECT pg_notify($1, $2)', [INVALIDATION_CHANNEL, 'policies:'])
}
