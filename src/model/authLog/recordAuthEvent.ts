import type { Queryable } from '../../db/db.js'
import { insertAuthLog } from '../../db/queries/authLog.js'
import type { Deps } from '../deps.js'
import type { Caller } from '../auth/authenticate.js'

/** The event types written today (the reference's names). */
export type AuthEventType =
  | 'login' | 'create_session_token' | 'password_change' | 'person_disable' | 'session_revoked_by_user' | 'forced_sign_out'
  | 'global_role_grant' | 'global_role_revoke' | 'api_key_create' | 'api_key_disable'
  | 'project_membership_create' | 'project_membership_update' | 'project_membership_remove'
  | 'tenant_config_change' | '2fa_enable' | '2fa_disable'

export interface AuthEvent {
  type: AuthEventType
  success: boolean
  personId?: string | null
  targetPersonId?: string | null
  personInputIdentifier?: string | null
  errorCode?: string | null
  errorMessage?: string | null
  metadata?: Record<string, unknown>
  /** What changed (roles before and after, say). Never a password, token, code or secret. */
  eventData?: unknown
}

/**
 * Writes one entry of the auth log, in `q`: the transaction of the change it records, or the
 * database itself for an attempt that changed nothing (a failed sign-in), so it stays.
 */
export async function recordAuthEvent(deps: Deps, q: Queryable, caller: Caller, event: AuthEvent): Promise<void> {
  await insertAuthLog(q, {
    ...event,
    invokedByIdentityId: caller.identityId,
    ipAddress: caller.client.ip,
    userAgent: caller.client.userAgent,
    at: deps.clock.now(),
  })
}
