import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'
import { fileURLToPath } from 'node:url'
import { generateKey } from '../../src/model/secrets.js'
import { generateToken } from '../../src/model/tokens.js'
import { createTestDatabaseUrl } from './db.js'

// tenant-api as separate processes (`serve`), as nodes behind a load balancer: each is stopped
// (SIGTERM) after the test file, and its URL is known once it says where it listens.

const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url))
const children: ChildProcess[] = []
after(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.on('exit', r)))))
})

/** Starts a node with `env` (on a port of its own, with a DATA_DIR of its own) and answers its base URL. */
export async function startNode(env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'serve'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'info', DATA_DIR: mkdtempSync(join(tmpdir(), 'tenant-api-node-')), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let out = ''
  child.stdout!.on('data', (d) => { out += d })
  child.stderr!.on('data', (d) => { out += d })
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    const match = /tenant-api on (http:\/\/127\.0\.0\.1:\d+)\/tenant/.exec(out)
    if (match) return match[1]!
    if (child.exitCode !== null) break
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`node did not start:\n${out}`)
}

/** Two nodes on a fresh PostgreSQL database, sharing every setting (tokens, encryption key). */
export async function startTwoNodes(): Promise<{ env: Record<string, string>; root: string; login: string; a: string; b: string }> {
  const env = {
    DATABASE_URL: await createTestDatabaseUrl(),
    TENANT_ENCRYPTION_KEY: generateKey(),
    CONTEMBER_ROOT_TOKEN: generateToken(),
    CONTEMBER_LOGIN_TOKEN: generateToken(),
  }
  const [a, b] = await Promise.all([startNode(env), startNode(env)])
  return { env, root: env.CONTEMBER_ROOT_TOKEN, login: env.CONTEMBER_LOGIN_TOKEN, a, b }
}
