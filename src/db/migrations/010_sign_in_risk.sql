-- Unusual sign-ins (login.anomalyDetection) and the codes mailed to confirm them.

-- The country a trusted proxy reported for the client (GEO_COUNTRY_HEADER); with the address and
-- user agent already kept, a person's recent sign-ins are what a new one is compared against.
ALTER TABLE auth_log ADD COLUMN geo_country text;

-- A six-digit code mailed to a person (an unusual sign-in's step-up): `otp_hash` holds its hash,
-- `token_hash` a random value that only keeps the column's uniqueness.
ALTER TABLE person_token DROP CONSTRAINT person_token_purpose_valid;
ALTER TABLE person_token ADD CONSTRAINT person_token_purpose_valid
  CHECK (purpose IN ('password_reset', 'email_verification', 'email_change', 'passwordless', 'email_otp'));
