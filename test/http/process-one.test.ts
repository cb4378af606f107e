import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { backend } from '../helpers/db.js'

// In a container the server is process 1 of its own PID namespace. Two things differ there: the
// kernel ignores a signal process 1 sends itself, and every start has the same process number.
// `unshare --pid` (root only) gives the server that namespace here, as Docker would.

const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url))
const canUnshare = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0
const skip = backend === 'postgres' ? 'independent of the database' : canUnshare ? false : 'unshare --pid needs root'

function startAsProcessOne(dataDir: string, env: Record<string, string> = {}) {
  const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', process.execPath, '--import', 'tsx', main, 'serve'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'info', DATA_DIR: dataDir, ...env },
  })
  let out = ''
  child.stdout.on('data', (d) => { out += d })
  child.stderr.on('data', (d) => { out += d })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return {
    exited,
    output: () => out,
    async port(): Promise<number> {
      const deadline = Date.now() + 60_000
      let match: RegExpExecArray | null = null
      while (!(match = /"pid":1,.*tenant-api on http:\/\/127\.0\.0\.1:(\d+)\/tenant/.exec(out)) && Date.now() < deadline) {
        if (child.exitCode !== null) break
        await new Promise((r) => setTimeout(r, 100))
      }
      assert.ok(match, `the server did not start as process 1:\n${out}`)
      return Number(match[1])
    },
    /** The server's own pid as seen from here (the child of unshare). */
    serverPid: () => Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)[0]),
  }
}

test('process 1: after a crash (SIGKILL) the next start takes over the lock that names process 1', { timeout: 150_000, skip }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tenant-api-pid1-'))
  const first = startAsProcessOne(dataDir)
  await first.port()
  process.kill(first.serverPid(), 'SIGKILL')
  await first.exited
  assert.match(readFileSync(join(dataDir, 'tenant-api.lock'), 'utf8'), /"pid":1,/, 'the crash left its lock behind')

  const second = startAsProcessOne(dataDir)
  const port = await second.port()
  assert.equal((await fetch(`http://127.0.0.1:${port}/health`)).status, 200)
  process.kill(second.serverPid(), 'SIGTERM')
  assert.equal(await second.exited, 0, second.output())
})

test('process 1: when SHUTDOWN_TIMEOUT_MS passes with a request still in flight, the server exits with 137', { timeout: 150_000, skip }, async () => {
  const server = startAsProcessOne(mkdtempSync(join(tmpdir(), 'tenant-api-pid1-')), { SHUTDOWN_TIMEOUT_MS: '1000' })
  const port = await server.port()
  // A request whose body never finishes: it holds the shutdown until the timeout.
  const socket = connect(port, '127.0.0.1')
  await new Promise((resolve) => socket.on('connect', resolve))
  socket.write('POST /tenant HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":')
  socket.on('error', () => {})
  await new Promise((r) => setTimeout(r, 300))
  const stoppedAt = Date.now()
  process.kill(server.serverPid(), 'SIGTERM')
  const code = await Promise.race([server.exited, new Promise((r) => setTimeout(() => r('still running'), 20_000))])
  socket.destroy()
  assert.equal(code, 137, server.output())
  assert.ok(Date.now() - stoppedAt < 10_000)
  assert.match(server.output(), /shutdown timed out/)
})
