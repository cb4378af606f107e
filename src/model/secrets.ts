import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'

// Secrets that must be read back (TOTP secrets, later project secrets and IdP client secrets)
// are encrypted with AES-256-GCM before they reach the database. Each ciphertext names the key
// that made it, so the key can be rotated: new writes use the current key, older rows still
// decrypt with the previous keys listed in the environment.
//
// Format: v1.<key id>.<iv>.<auth tag>.<ciphertext>, each part base64url.

export interface SecretBox {
  readonly keyId: string
  encrypt(plain: string, context: string): string
  decrypt(sealed: string, context: string): string
}

/** The id of a key: the first 8 hex characters of its sha256, never the key itself. */
export const keyIdOf = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 8)

export function parseKey(text: string): Buffer {
  const trimmed = text.trim()
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64')
  if (key.length !== 32) throw new Error('an encryption key must be 32 bytes, as 64 hex characters or base64')
  return key
}

export function generateKey(): string {
  return randomBytes(32).toString('hex')
}

/**
 * `context` is bound into the ciphertext as additional authenticated data (e.g. "otp:<person
 * id>"), so a sealed value copied to another row or column does not decrypt there.
 */
export function createSecretBox(current: Buffer, previous: Buffer[] = []): SecretBox {
  const keys = new Map([current, ...previous].map((k) => [keyIdOf(k), k]))
  const keyId = keyIdOf(current)
  return {
    keyId,
    encrypt(plain, context) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', current, iv)
      cipher.setAAD(Buffer.from(context, 'utf8'))
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      return ['v1', keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.')
    },
    decrypt(sealed, context) {
      const [version, id, iv, tag, body] = sealed.split('.')
      if (version !== 'v1' || !id || iv === undefined || tag === undefined || body === undefined) throw new Error('unknown secret format')
      const key = keys.get(id)
      if (!key) throw new Error(`secret was encrypted with key ${id}, which is not configured`)
      // The full 16-byte tag only: GCM would also take a shortened one, which is far easier to forge.
      const authTag = Buffer.from(tag, 'base64url')
      if (authTag.length !== 16) throw new Error('secret has a malformed authentication tag')
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: 16 })
      decipher.setAAD(Buffer.from(context, 'utf8'))
      decipher.setAuthTag(authTag)
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8')
    },
  }
}
