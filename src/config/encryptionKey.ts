import { readFile, writeFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Config } from './env.js'
import { createSecretBox, generateKey, parseKey, type SecretBox } from '../model/secrets.js'

/**
 * The key that encrypts secrets at rest. From TENANT_ENCRYPTION_KEY when set (required with
 * PostgreSQL, since every node must share it). On the embedded database without one, a key is
 * generated once into DATA_DIR/encryption.key (readable by the owner only), so `npm start`
 * needs no setup; the README tells operators to set their own.
 */
export async function loadSecretBox(config: Config): Promise<{ box: SecretBox; generated: boolean }> {
  const previous = (config.TENANT_ENCRYPTION_OLD_KEYS ?? []).map(parseKey)
  if (config.TENANT_ENCRYPTION_KEY) return { box: createSecretBox(parseKey(config.TENANT_ENCRYPTION_KEY), previous), generated: false }
  const file = join(config.DATA_DIR, 'encryption.key')
  try {
    return { box: createSecretBox(parseKey(await readFile(file, 'utf8')), previous), generated: false }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  // Owner only, like the key file: with an injected database (tests) this may be the first
  // mkdir of DATA_DIR, before openDb's (which would make it 0700 too).
  await mkdir(config.DATA_DIR, { recursive: true, mode: 0o700 })
  const key = generateKey()
  // 'wx': two processes starting on one directory cannot both write a key.
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error
  })
  return { box: createSecretBox(parseKey(await readFile(file, 'utf8')), previous), generated: true }
}
