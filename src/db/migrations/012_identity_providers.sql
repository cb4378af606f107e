-- Sign-in through identity providers (OIDC, Apple, Facebook).

CREATE TABLE identity_provider (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug                text NOT NULL,
  type                text NOT NULL,
  -- The configuration without its secrets: what identityProviders shows.
  configuration       jsonb NOT NULL,
  -- The client secret or private key, sealed with the encryption key (model/secrets.ts).
  secrets_sealed      text,
  disabled_at         timestamptz,
  auto_sign_up        boolean NOT NULL DEFAULT false,
  exclusive           boolean NOT NULL DEFAULT false,
  init_returns_config boolean NOT NULL DEFAULT false,
  require_verified_email boolean NOT NULL DEFAULT false,
  assume_email_verified  boolean NOT NULL DEFAULT false,
  created_at          timestamptz NOT NULL,
  CONSTRAINT identity_provider_slug_unique UNIQUE (slug)
);

-- Who a provider's subject is here. A subject is one person; a person may have several.
CREATE TABLE person_identity_provider (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id            uuid NOT NULL,
  identity_provider_id uuid NOT NULL,
  external_identifier  text NOT NULL,
  created_at           timestamptz NOT NULL,
  CONSTRAINT person_identity_provider_person_fk FOREIGN KEY (person_id) REFERENCES person (id) ON DELETE CASCADE,
  CONSTRAINT person_identity_provider_provider_fk FOREIGN KEY (identity_provider_id) REFERENCES identity_provider (id) ON DELETE CASCADE,
  CONSTRAINT person_identity_provider_subject_unique UNIQUE (identity_provider_id, external_identifier)
);
CREATE INDEX person_identity_provider_person_idx ON person_identity_provider (person_id);
