-- Requests per client address and action (sign-up, sign-in, password reset, passwordless,
-- verification) in the current window (`rateLimits` settings), reserved atomically before any
-- work, so a limit holds across nodes and restarts.
CREATE TABLE ip_rate_limit (
  action       text NOT NULL,
  ip           text NOT NULL,
  window_start timestamptz NOT NULL,
  count        integer NOT NULL,
  CONSTRAINT ip_rate_limit_pk PRIMARY KEY (action, ip)
);
