-- The auth log: who signed in, failed, or changed whose rights. Append-only (rows are deleted
-- only by the retention setting); written in the transaction of the change it records (a failed
-- sign-in, which changes nothing, on its own). Never a password, token, code or secret.
CREATE TABLE auth_log (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at              timestamptz NOT NULL DEFAULT now(),
  type                    text NOT NULL,
  success                 boolean NOT NULL,
  -- The identity whose token made the request (the login token's for a sign-in).
  invoked_by_identity_id  uuid,
  -- The person the event is about as the actor (signing in, changing their own password) ...
  person_id               uuid,
  -- ... or as the one acted on (disabled, forced out, given a role).
  target_person_id        uuid,
  -- What the caller typed to name a person (the email of a sign-in), also when nobody has it.
  person_input_identifier text,
  error_code              text,
  error_message           text,
  ip_address              text,
  user_agent              text,
  identity_provider_id    uuid,
  metadata                jsonb NOT NULL DEFAULT '{}'::jsonb,
  event_data              jsonb
);
-- Newest first, for every filter: each index leads with what a filter narrows to and ends with
-- the order, so a page is read from the index, also at millions of rows.
CREATE INDEX auth_log_created_idx ON auth_log (created_at DESC, id DESC);
CREATE INDEX auth_log_type_idx ON auth_log (type, created_at DESC, id DESC);
CREATE INDEX auth_log_person_idx ON auth_log (person_id, created_at DESC, id DESC) WHERE person_id IS NOT NULL;
CREATE INDEX auth_log_target_idx ON auth_log (target_person_id, created_at DESC, id DESC) WHERE target_person_id IS NOT NULL;
CREATE INDEX auth_log_invoker_idx ON auth_log (invoked_by_identity_id, created_at DESC, id DESC) WHERE invoked_by_identity_id IS NOT NULL;
CREATE INDEX auth_log_input_idx ON auth_log (person_input_identifier, created_at DESC, id DESC) WHERE person_input_identifier IS NOT NULL;
