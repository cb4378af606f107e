import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { SecretBox } from '../model/secrets.js'
import { openSealedMail, type MailContent } from './outbox.js'

// Without a mailer (development), mails are held: besides the outbox row, each is written to
// DATA_DIR/outbox as a file, still sealed (it may carry a token), so `tenant-api outbox` can show
// them while the server runs (the embedded database allows one process at a time). Files are
// kept for HELD_FILE_DAYS.

export const HELD_FILE_DAYS = 7

export interface HeldMail {
  id: string
  type: string
  to: string
  /** The subject without secret values. */
  subject: string
  createdAt: string
  sealed: string
}

export async function writeHeldMail(dir: string, mail: HeldMail): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const name = `${mail.createdAt.replace(/[:.]/g, '-')}-${mail.id}.json`
  await writeFile(join(dir, name), `${JSON.stringify(mail)}\n`, { mode: 0o600 })
}

/** Deletes held files older than HELD_FILE_DAYS. */
export async function pruneHeldMail(dir: string, now: Date): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[])
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const { mtime } = await stat(join(dir, name)).catch(() => ({ mtime: now }))
    if (now.getTime() - mtime.getTime() > HELD_FILE_DAYS * 86_400_000) await rm(join(dir, name), { force: true })
  }
}

/** The newest `limit` held mails, opened. */
export async function readHeldMail(dir: string, secrets: SecretBox, limit: number): Promise<(HeldMail & { content: MailContent | null })[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort().reverse().slice(0, limit)
  const mails = []
  for (const name of names) {
    const mail = JSON.parse(await readFile(join(dir, name), 'utf8')) as HeldMail
    let content: MailContent | null = null
    try {
      content = openSealedMail(secrets, mail)
    } catch {
      // Sealed with a key that is not configured here.
    }
    mails.push({ ...mail, content })
  }
  return mails
}
