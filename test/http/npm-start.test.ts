import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { backend } from '../helpers/db.js'

// Independent of the database: run once, on the PGlite pass.
const skip = backend === 'postgres'
import { fileURLToPath } from 'node:url'

// Process managers stop `npm start` (or its whole process group) with SIGTERM: the server must
// stop with it, not run on orphaned.

const root = fileURLToPath(new URL('../..', import.meta.url))

async function startWithNpm() {
  const child = spawn('npm', ['start'], {
    cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', DATA_DIR: mkdtempSync(join(tmpdir(), 'tenant-api-npm-')), DATABASE_URL: '', npm_config_update_notifier: 'false' },
  })
  let out = ''
  child.stdout.on('data', (d) => { out += d })
  child.stderr.on('data', (d) => { out += d })
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  const deadline = Date.now() + 90_000
  let match: RegExpMatchArray | null = null
  while (!(match = /"pid":(\d+).*tenant-api on http:\/\/127\.0\.0\.1:(\d+)\/tenant/.exec(out)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
  assert.ok(match, `the server did not start:\n${out}`)
  return { npm: child, serverPid: Number(match[1]), port: Number(match[2]), exited }
}

const running = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function stopsWithin(pid: number, ms: number) {
  const deadline = Date.now() + ms
  while (running(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
  return !running(pid)
}

test('npm start: SIGTERM to the npm process stops the server', { timeout: 150_000, skip }, async () => {
  const { npm, serverPid, port, exited } = await startWithNpm()
  assert.equal((await fetch(`http://127.0.0.1:${port}/health`)).status, 200)
  npm.kill('SIGTERM')
  assert.ok(await stopsWithin(serverPid, 15_000), 'the server is gone')
  await exited
})

test('npm start: SIGTERM to its process group stops the server', { timeout: 150_000, skip }, async () => {
  const { npm, serverPid, exited } = await startWithNpm()
  process.kill(-npm.pid!, 'SIGTERM')
  assert.ok(await stopsWithin(serverPid, 15_000), 'the server is gone')
  await exited
})
