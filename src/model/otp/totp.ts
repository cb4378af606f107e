import { generateSecret, generateURI, verify } from 'otplib'

// TOTP as authenticator apps expect it (RFC 6238: SHA-1, 6 digits, 30 s steps), via otplib.

export const TOTP_PERIOD = 30

export function newOtpSecret(): string {
  return generateSecret()
}

export function otpUri(options: { issuer: string; label: string; secret: string }): string {
  return generateURI({ issuer: options.issuer, label: options.label, secret: options.secret })
}

/**
 * Checks a code at `now`, accepting the neighbouring 30 s steps for clock drift. Returns the
 * accepted time step, so the caller can refuse the same code twice, or null when it is wrong.
 */
export async function checkOtp(secret: string, code: string, now: Date, afterTimeStep: number | null): Promise<number | null> {
  if (!/^\d{6}$/.test(code.trim())) return null
  const result = await verify({
    secret,
    token: code.trim(),
    epoch: Math.floor(now.getTime() / 1000),
    epochTolerance: TOTP_PERIOD,
    ...(afterTimeStep !== null ? { afterTimeStep } : {}),
  })
  if (!result.valid) return null
  return (result as { timeStep?: number }).timeStep ?? Math.floor(now.getTime() / 1000 / TOTP_PERIOD)
}
