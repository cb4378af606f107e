-- Sessions a person can see and end, and the auth log.

-- Where a key was made and last used from (sessions list them). Written when a session is made
-- and, for the last use, at most once a minute per key, with the use itself.
ALTER TABLE api_key
  ADD COLUMN created_ip          text,
  ADD COLUMN created_user_agent  text,
  ADD COLUMN last_ip             text,
  ADD COLUMN last_user_agent     text,
  -- The session was signed in through a caller allowed to pass on its client's address and user
  -- agent (SignInOptions.trustForwardedClientInfo).
  ADD COLUMN trust_forwarded_client_info boolean NOT NULL DEFAULT false;
