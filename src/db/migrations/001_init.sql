-- Identities, persons, API keys, projects and memberships.
-- Tables are singular and snake_case; every constraint is named, because the code maps a
-- violated constraint's name to the error code the API answers (races are settled here).

CREATE TABLE identity (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  description text,
  -- Global roles (super_admin, login, project_admin, ...). Project roles live in memberships.
  roles       text[] NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE person (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  identity_id   uuid NOT NULL,
  -- Stored trimmed and lower-cased, so uniqueness holds whatever case a user types.
  email         text,
  name          text,
  -- argon2id (PHC string) or an imported bcrypt hash; null for people without a password.
  password_hash text,
  disabled_at   timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT person_identity_fk FOREIGN KEY (identity_id) REFERENCES identity (id) ON DELETE CASCADE,
  CONSTRAINT person_identity_unique UNIQUE (identity_id),
  CONSTRAINT person_email_unique UNIQUE (email),
  CONSTRAINT person_email_normalised CHECK (email = lower(btrim(email)))
);

CREATE TABLE api_key (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  identity_id        uuid NOT NULL,
  type               text NOT NULL,
  -- sha256 of the token, lower-case hex. The token itself is never stored.
  token_hash         text NOT NULL,
  description        text,
  -- Sessions are prolonged on use by this many minutes; null for keys that never expire.
  expiration_minutes integer,
  expires_at         timestamptz,
  disabled_at        timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  last_used_at       timestamptz,
  CONSTRAINT api_key_identity_fk FOREIGN KEY (identity_id) REFERENCES identity (id) ON DELETE CASCADE,
  CONSTRAINT api_key_type_valid CHECK (type IN ('session', 'permanent', 'one_off')),
  CONSTRAINT api_key_token_hash_unique UNIQUE (token_hash),
  CONSTRAINT api_key_token_hash_format CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  CONSTRAINT api_key_expiration_positive CHECK (expiration_minutes IS NULL OR expiration_minutes > 0)
);
CREATE INDEX api_key_identity_idx ON api_key (identity_id);

-- The root and login tokens from the environment (or generated at first start): which API key
-- plays which part, so a changed environment value rotates the key instead of adding one.
CREATE TABLE bootstrap_key (
  name       text PRIMARY KEY,
  api_key_id uuid NOT NULL,
  CONSTRAINT bootstrap_key_name_valid CHECK (name IN ('root', 'login')),
  CONSTRAINT bootstrap_key_api_key_fk FOREIGN KEY (api_key_id) REFERENCES api_key (id) ON DELETE CASCADE,
  CONSTRAINT bootstrap_key_api_key_unique UNIQUE (api_key_id)
);

CREATE TABLE project (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug       text NOT NULL,
  name       text NOT NULL,
  -- Holds the project's roles under "acl" (the shape of a Contember ACL schema).
  config     jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT project_slug_unique UNIQUE (slug),
  CONSTRAINT project_slug_format CHECK (slug ~ '^[a-z0-9][a-z0-9-]*$')
);

CREATE TABLE project_membership (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id  uuid NOT NULL,
  identity_id uuid NOT NULL,
  role        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT project_membership_project_fk FOREIGN KEY (project_id) REFERENCES project (id) ON DELETE CASCADE,
  CONSTRAINT project_membership_identity_fk FOREIGN KEY (identity_id) REFERENCES identity (id) ON DELETE CASCADE,
  CONSTRAINT project_membership_unique UNIQUE (project_id, identity_id, role)
);
CREATE INDEX project_membership_identity_idx ON project_membership (identity_id);

CREATE TABLE project_membership_variable (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  membership_id uuid NOT NULL,
  variable      text NOT NULL,
  "values"      text[] NOT NULL,
  CONSTRAINT project_membership_variable_membership_fk FOREIGN KEY (membership_id)
    REFERENCES project_membership (id) ON DELETE CASCADE,
  CONSTRAINT project_membership_variable_unique UNIQUE (membership_id, variable)
);
