-- Sign-in: TOTP secrets, failed-attempt back-off, and the configurable policies.

-- The OTP secret is encrypted (AES-256-GCM, see model/secrets.ts) before it is stored.
-- A prepared but unconfirmed secret has no activation time and does not guard sign-in yet.
ALTER TABLE person
  ADD COLUMN otp_secret_encrypted text,
  ADD COLUMN otp_activated_at     timestamptz,
  -- The last accepted TOTP time step: a code is accepted once (RFC 6238 section 5.2).
  ADD COLUMN otp_last_time_step   integer,
  ADD CONSTRAINT person_otp_active_has_secret CHECK (otp_activated_at IS NULL OR otp_secret_encrypted IS NOT NULL);

-- Failed sign-ins per email (whether or not a person has it, so the table does not reveal
-- which emails exist). Kept in the database, so back-off holds across restarts and nodes.
CREATE TABLE sign_in_failure (
  email           text PRIMARY KEY,
  failures        integer NOT NULL,
  first_failed_at timestamptz NOT NULL,
  last_failed_at  timestamptz NOT NULL,
  CONSTRAINT sign_in_failure_failures_positive CHECK (failures > 0)
);

-- Tenant-wide settings changed through `configure`: only the values an operator set; the
-- code's defaults fill in the rest, so new settings get sensible values without a migration.
CREATE TABLE tenant_config (
  id         boolean PRIMARY KEY DEFAULT true,
  value      jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT tenant_config_single_row CHECK (id)
);
