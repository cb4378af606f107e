import { hostname } from 'node:os'
import { join } from 'node:path'
import { readFile, unlink, writeFile } from 'node:fs/promises'

// PGlite is one PostgreSQL in one process: two processes on one DATA_DIR each keep their own
// copy in memory and overwrite each other's files, so writes are lost. The first process to
// open the folder holds a lock file naming it; another is refused, naming the holder. A lock
// left by a process that no longer runs (a crash, SIGKILL) is taken over, and so is one naming
// this very process number from before this process started: in a container the server is
// always process 1, so after a crash and restart the lock names "process 1", which is now us.

export const LOCK_FILE = 'tenant-api.lock'

export class DataDirInUse extends Error {}

interface Holder {
  pid: number
  hostname: string
  startedAt: string
}

/** Takes the lock on `dir`; resolves to the function that gives it back. */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const file = join(dir, LOCK_FILE)
  const me: Holder = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      // 'wx': creating the file is the atomic step; of two processes only one succeeds.
      await writeFile(file, `${JSON.stringify(me)}\n`, { flag: 'wx', mode: 0o600 })
      return async () => {
        // Only our own lock: a process that took over a lock we lost must keep it.
        if ((await readHolder(file))?.pid === me.pid) await unlink(file).catch(() => {})
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const holder = await readHolder(file)
    if (holder && isRunning(holder)) {
      const elsewhere = holder.hostname === hostname() ? '' : `; if that host or container is gone for good, delete ${file}`
      throw new DataDirInUse(`DATA_DIR ${dir} is in use by process ${holder.pid} on ${holder.hostname} (since ${holder.startedAt}); ` +
        `stop it first, or give this process a DATA_DIR of its own${elsewhere}`)
    }
    // Left by a process that is gone: remove it and try once more (another starter may win).
    await unlink(file).catch(() => {})
  }
  throw new DataDirInUse(`DATA_DIR ${dir} is in use by another process that has just started`)
}

async function readHolder(file: string): Promise<Holder | null> {
  try {
    const holder = JSON.parse(await readFile(file, 'utf8')) as Partial<Holder>
    return typeof holder.pid === 'number' && typeof holder.hostname === 'string' ? holder as Holder : null
  } catch {
    return null
  }
}

/** On another host we cannot tell: a lock from there is held (a shared folder is no place for PGlite). */
function isRunning(holder: Holder): boolean {
  if (holder.hostname !== hostname()) return true
  if (holder.pid === process.pid) {
    // Ours if written since this process started; else an earlier process that had our number.
    const startedAt = Date.parse(holder.startedAt)
    return !(startedAt < Date.now() - process.uptime() * 1000)
  }
  try {
    process.kill(holder.pid, 0)
    return true
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
