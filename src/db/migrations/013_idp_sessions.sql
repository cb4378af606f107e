-- A session signed in through an identity provider remembers which one, and the ID token it
-- gave (sealed): signing out then also offers the provider's sign-out page (logoutUrl).
ALTER TABLE api_key
  ADD COLUMN identity_provider_id uuid,
  ADD COLUMN idp_id_token_sealed  text,
  ADD CONSTRAINT api_key_identity_provider_fk FOREIGN KEY (identity_provider_id) REFERENCES identity_provider (id) ON DELETE SET NULL;

-- A provider a project admin last wrote may reach only persons a project admin could act on: it
-- must not sign anyone in as a super admin (README, "Identity providers").
ALTER TABLE identity_provider ADD COLUMN written_by_super_admin boolean NOT NULL DEFAULT false;
