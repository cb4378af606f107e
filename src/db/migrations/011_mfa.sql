-- Multi-factor authentication beyond TOTP, and auth policies.

-- A TOTP set-up waits in the pending slot until confirmOtp proves the app has it; the active
-- secret (if any) keeps guarding sign-in meanwhile. Set-ups prepared before this migration and
-- never confirmed move there.
ALTER TABLE person
  ADD COLUMN otp_pending_secret_encrypted text,
  ADD COLUMN otp_pending_created_at       timestamptz,
  -- Sign-in asks for a code mailed to the person (EMAIL_OTP).
  ADD COLUMN email_otp_enabled            boolean NOT NULL DEFAULT false,
  -- Until when a person an auth policy requires MFA of may still sign in without it.
  ADD COLUMN mfa_grace_until              timestamptz;
UPDATE person
   SET otp_pending_secret_encrypted = otp_secret_encrypted, otp_pending_created_at = now(), otp_secret_encrypted = NULL
 WHERE otp_activated_at IS NULL AND otp_secret_encrypted IS NOT NULL;
ALTER TABLE person ADD CONSTRAINT person_otp_secret_active CHECK ((otp_secret_encrypted IS NULL) = (otp_activated_at IS NULL));

-- Ten one-use codes for a person who lost their second factor; only their sha256 is kept.
CREATE TABLE person_backup_code (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id  uuid NOT NULL,
  code_hash  text NOT NULL,
  created_at timestamptz NOT NULL,
  used_at    timestamptz,
  CONSTRAINT person_backup_code_person_fk FOREIGN KEY (person_id) REFERENCES person (id) ON DELETE CASCADE,
  CONSTRAINT person_backup_code_hash_format CHECK (code_hash ~ '^[0-9a-f]{64}$')
);
CREATE INDEX person_backup_code_person_idx ON person_backup_code (person_id);

-- What holders of some roles (global, or in one project) must do: MFA, and how long their
-- sessions may live. Durations in seconds; null: the policy says nothing about it.
CREATE TABLE auth_policy (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  scope               text NOT NULL,
  project_id          uuid,
  roles               text[] NOT NULL,
  mfa_required        boolean,
  token_expiration    integer,
  idle_timeout        integer,
  grace_duration      integer,
  remember_me_allowed boolean,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  CONSTRAINT auth_policy_project_fk FOREIGN KEY (project_id) REFERENCES project (id) ON DELETE CASCADE,
  CONSTRAINT auth_policy_scope_valid CHECK ((scope = 'global' AND project_id IS NULL) OR (scope = 'project' AND project_id IS NOT NULL))
);

-- A session's limits from the policies at sign-in: ended when unused this many seconds, and
-- never prolonged past max_expires_at.
ALTER TABLE api_key
  ADD COLUMN idle_timeout   integer,
  ADD COLUMN max_expires_at timestamptz;
