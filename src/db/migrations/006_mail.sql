-- Mail: templates, the outbox every mail goes through, the one-use tokens mails carry, and
-- per-email limits for the flows an anonymous caller can start.

-- Templates an operator or a project admin stored; built-in defaults (src/mail/defaults.ts)
-- answer for every type without one. A project's template beats a global one; `variant` ('' for
-- the default) selects e.g. a language.
CREATE TABLE mail_template (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id  uuid,
  mail_type   text NOT NULL,
  variant     text NOT NULL DEFAULT '',
  subject     text NOT NULL,
  content     text NOT NULL,
  use_layout  boolean NOT NULL DEFAULT true,
  reply_to    text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT mail_template_project_fk FOREIGN KEY (project_id) REFERENCES project (id) ON DELETE CASCADE
);
-- One template per (project or none, type, variant); a global template has no project.
CREATE UNIQUE INDEX mail_template_unique ON mail_template (coalesce(project_id, '00000000-0000-0000-0000-000000000000'::uuid), mail_type, variant);

-- Every mail is a row here, written in the transaction of the change that causes it and sent
-- after commit. The rendered subject and body may carry a token or a password, so they are
-- kept encrypted (`sealed`, model/secrets.ts) and cleared once the mail is sent; `subject`
-- is the subject with every secret value cut out, for logs and for operators.
CREATE TABLE mail_outbox (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  mail_type       text NOT NULL,
  project_id      uuid,
  recipient       text NOT NULL,
  subject         text NOT NULL,
  sealed          text,
  -- pending: waits for its next attempt; sending: claimed by a sender until locked_until;
  -- sent; failed: gave up after the last attempt; held: no mailer configured (development),
  -- readable with `tenant-api outbox` until it is pruned.
  state           text NOT NULL,
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  locked_until    timestamptz,
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz,
  CONSTRAINT mail_outbox_project_fk FOREIGN KEY (project_id) REFERENCES project (id) ON DELETE SET NULL,
  CONSTRAINT mail_outbox_state_valid CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'held')),
  CONSTRAINT mail_outbox_unsent_has_body CHECK (state IN ('sent', 'failed') OR sealed IS NOT NULL)
);
-- What a sender claims next.
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE state IN ('pending', 'sending');
CREATE INDEX mail_outbox_created_idx ON mail_outbox (created_at);

-- One-use tokens a mail carries: password reset (and the reset of an invite), email
-- verification, email change, passwordless sign-in. Only hashes are stored. `id` is the
-- request id the reference's operations name.
CREATE TABLE person_token (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id   uuid NOT NULL,
  purpose     text NOT NULL,
  token_hash  text NOT NULL,
  -- The address the token was issued for (for an email change: the new address). A token
  -- stops working for a person whose address changed since.
  email       text NOT NULL,
  -- Passwordless: the sha256 of a code the client chose (activatePasswordlessOtp), and the
  -- wrong codes tried against it.
  otp_hash    text,
  otp_attempts integer NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  CONSTRAINT person_token_person_fk FOREIGN KEY (person_id) REFERENCES person (id) ON DELETE CASCADE,
  CONSTRAINT person_token_purpose_valid CHECK (purpose IN ('password_reset', 'email_verification', 'email_change', 'passwordless')),
  CONSTRAINT person_token_hash_format CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  CONSTRAINT person_token_hash_unique UNIQUE (token_hash)
);
CREATE INDEX person_token_person_idx ON person_token (person_id, purpose);

-- Requests per email and action (reset, passwordless, verification) in the current window:
-- reserved atomically before any work, so the limit holds across nodes and restarts.
CREATE TABLE email_rate_limit (
  action       text NOT NULL,
  email        text NOT NULL,
  window_start timestamptz NOT NULL,
  count        integer NOT NULL,
  CONSTRAINT email_rate_limit_pk PRIMARY KEY (action, email)
);

ALTER TABLE person
  ADD COLUMN email_verified_at            timestamptz,
  -- Set at sign-up from `signup.requireEmailVerification`: such a person signs in only once the
  -- address is verified. Turning the setting on later does not lock out existing persons.
  ADD COLUMN email_verification_required boolean NOT NULL DEFAULT false,
  -- null: the `passwordless.enabled` policy decides; true/false: the person chose.
  ADD COLUMN passwordless_enabled         boolean;
