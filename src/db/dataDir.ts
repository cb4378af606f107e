import { chmod, lstat, mkdir, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'

// DATA_DIR holds the embedded database (password hashes, session token hashes, encrypted project
// secrets) and, without TENANT_ENCRYPTION_KEY, the key to those secrets. It is the owner's only,
// whatever the umask: PGlite unpacks its files with the process umask (0644 and 0755 under the
// usual 022, world-writable under 000).

const GROUP_OTHER = 0o077

/**
 * Creates `dir` (mode 0700) or takes the access of group and others away from an existing one,
 * then from everything under it. `fixed` says the directory itself was open to other accounts, so
 * its files may have been read: worth a warning. Open files under a closed directory are not
 * (no other account can reach them) and are fixed silently.
 */
export async function securePrivateDir(dir: string): Promise<{ fixed: boolean }> {
  // mkdir's mode is filtered by the umask, and says nothing for a directory that exists: chmod.
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const { mode } = await stat(dir)
  if ((mode & 0o777) !== 0o700) await chmod(dir, 0o700)
  await makeContentsPrivate(dir)
  return { fixed: (mode & GROUP_OTHER) !== 0 }
}

/** Files and folders under `dir` lose their group and other bits; the owner's stay as they are. */
async function makeContentsPrivate(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const path = join(dir, name)
    try {
      // lstat, and links left alone: chmod follows a link, maybe to a file outside DATA_DIR.
      const entry = await lstat(path)
      if (entry.isSymbolicLink()) continue
      if (entry.mode & GROUP_OTHER) await chmod(path, entry.mode & 0o700)
      if (entry.isDirectory()) await makeContentsPrivate(path)
    } catch (error) {
      // Removed meanwhile (a temporary file of the database): nothing left to protect.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }
}
