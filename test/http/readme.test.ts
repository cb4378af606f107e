import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { backend } from '../helpers/db.js'

// The README's walk-through, run as a reader runs it: every fenced block whose info string is
// `sh walkthrough` (GitHub shows it as an ordinary `sh` block), in README order, pasted into ONE
// bash (`bash -euo pipefail`) against a fresh server that generated and printed its own tokens.
//
// What the test changes in the blocks, and nothing else:
// - `http://127.0.0.1:4000` becomes the test server's URL, and the content service's port 4050
//   (`PORT=4050`, `127.0.0.1:4050`) a free port;
// - `ROOT` and `LOGIN` are set beforehand from the tokens the server printed, as the README tells
//   the reader to do;
// - `curl` ends its output with a line break, so each answer is a line of its own.
// Comment lines that show an answer (`# {"data":…}`, `# 401`) must match a printed line, in order
// within their block, with `…` matching anything. No printed JSON may hold `errors` or `"ok":false`.
//
// WALKTHROUGH_README=path runs another copy of the README (to see that a broken command fails).

// Independent of the database: run once, on the PGlite pass.
const skip = backend === 'postgres'

const root = fileURLToPath(new URL('../..', import.meta.url))
const main = join(root, 'src/main.ts')
const readmePath = process.env.WALKTHROUGH_README ?? join(root, 'README.md')

/** The `sh walkthrough` blocks of a Markdown text, in order, with the line each starts on. */
function walkthroughBlocks(markdown: string): { line: number; text: string }[] {
  const blocks: { line: number; text: string }[] = []
  let current: { line: number; lines: string[] } | null = null
  markdown.split('\n').forEach((line, i) => {
    if (current === null) {
      if (/^```sh walkthrough\s*$/.test(line)) current = { line: i + 1, lines: [] }
    } else if (/^```\s*$/.test(line)) {
      blocks.push({ line: current.line, text: current.lines.join('\n') })
      current = null
    } else {
      current.lines.push(line)
    }
  })
  assert.equal(current, null, 'an unterminated walkthrough block')
  return blocks
}

/** `# {…}` and `# 401` comment lines: answers the block shows, as patterns (`…` matches anything). */
function expectedAnswers(block: string): { text: string; pattern: RegExp }[] {
  return block.split('\n')
    .map((line) => /^\s*# (\{.*\}|\d{3})\s*$/.exec(line)?.[1])
    .filter((text): text is string => text !== undefined)
    .map((text) => ({
      text,
      pattern: new RegExp(`^${text.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*?')}$`),
    }))
}

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as { port: number }
  await new Promise((resolve) => probe.close(resolve))
  return port
}

function collect(child: ChildProcess) {
  let out = ''
  let err = ''
  child.stdout!.on('data', (d) => { out += d })
  child.stderr!.on('data', (d) => { err += d })
  return { out: () => out, err: () => err }
}

async function waitFor(output: () => string, pattern: RegExp, child: ChildProcess, ms = 60_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    const match = pattern.exec(output())
    if (match) return match
    if (child.exitCode !== null) break
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`no ${pattern} in the server's output:\n${output()}`)
}

test('README: the walk-through runs in order in one shell against a fresh server', { timeout: 170_000, skip }, async () => {
  const blocks = walkthroughBlocks(readFileSync(readmePath, 'utf8'))
  assert.ok(blocks.length >= 4, `the README marks its walk-through blocks (found ${blocks.length})`)
  const all = blocks.map((b) => b.text).join('\n')
  for (const step of ['signUp', 'signIn', 'createProject', 'createApiKey', 'signOut', '/articles', 'invite', 'tenant-api.js outbox', 'resetPassword', 'http://127.0.0.1:4000', '4050']) {
    assert.ok(all.includes(step), `the walk-through has ${step}`)
  }

  // A fresh server, as `npm start` runs it (without the build): it generates and prints the tokens.
  const dataDir = mkdtempSync(join(tmpdir(), 'tenant-api-readme-'))
  const server = spawn(process.execPath, ['--import', 'tsx', main, 'serve'], {
    cwd: root, stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'info', DATA_DIR: dataDir },
  })
  const serverOutput = collect(server)
  const serverExited = new Promise((resolve) => server.on('exit', resolve))
  let shell: ChildProcess | undefined
  try {
    const both = () => serverOutput.out() + serverOutput.err()
    const [, rootToken] = await waitFor(both, /CONTEMBER_ROOT_TOKEN\s+= ([0-9a-f]{40})/, server)
    const [, loginToken] = await waitFor(both, /CONTEMBER_LOGIN_TOKEN\s+= ([0-9a-f]{40})/, server)
    const [, port] = await waitFor(both, /tenant-api on http:\/\/127\.0\.0\.1:(\d+)\/tenant/, server)
    const contentPort = String(await freePort())

    const local = (block: string) => block
      .replaceAll('http://127.0.0.1:4000', `http://127.0.0.1:${port}`)
      .replaceAll('127.0.0.1:4050', `127.0.0.1:${contentPort}`)
      .replaceAll('PORT=4050', `PORT=${contentPort}`)
    // A line between the blocks' outputs, naming the block that prints next.
    const markers = [...blocks.map((b) => `@@ the walk-through block at ${basename(readmePath)}:${b.line} @@`), '@@ end @@']
    const script = [
      'curl() { command curl "$@"; local status=$?; echo; return $status; }',
      ...blocks.flatMap((block, i) => [`printf '\\n%s\\n' '${markers[i]}'`, local(block.text)]),
      `printf '\\n%s\\n' '${markers[blocks.length]}'`,
    ].join('\n')

    // Its own process group, so the content service it starts in the background is stopped with it.
    shell = spawn('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
      // DATA_DIR as the server's (a reader's shell and `npm start` share ./data): `tenant-api outbox` reads it.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), LANG: 'C.UTF-8', ROOT: rootToken!, LOGIN: loginToken!, DATA_DIR: dataDir },
    })
    const shellOutput = collect(shell)
    const status = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => { try { process.kill(-shell!.pid!, 'SIGKILL') } catch { /* gone */ } }, 140_000)
      shell!.on('exit', (code) => { clearTimeout(timer); resolve(code) })
    })
    const out = shellOutput.out()
    const context = `\n--- output ---\n${out}\n--- stderr ---\n${shellOutput.err()}`
    assert.equal(status, 0, `the walk-through stopped with status ${status}${context}`)

    blocks.forEach((block, i) => {
      const where = `the walk-through block at ${basename(readmePath)}:${block.line}`
      const start = out.indexOf(markers[i]!)
      const end = out.indexOf(markers[i + 1]!)
      assert.ok(start >= 0 && end > start, `${where} ran${context}`)
      const printed = out.slice(start + markers[i]!.length, end).split('\n').map((l) => l.trim()).filter(Boolean)
      for (const line of printed.filter((l) => l.startsWith('{'))) {
        let answer: { errors?: unknown }
        try {
          answer = JSON.parse(line)
        } catch {
          assert.fail(`${where} printed a line that is not JSON: ${line}`)
        }
        assert.equal(answer.errors, undefined, `${where} printed errors: ${line}`)
        assert.doesNotMatch(line, /"ok":false/, `${where} printed a failure: ${line}`)
      }
      let from = 0
      for (const { text, pattern } of expectedAnswers(block.text)) {
        const at = printed.findIndex((line, n) => n >= from && pattern.test(line))
        assert.ok(at >= 0, `${where} shows the answer\n  ${text}\nbut printed\n  ${printed.slice(from).join('\n  ')}`)
        from = at + 1
      }
    })
  } finally {
    if (shell?.pid) {
      try { process.kill(-shell.pid, 'SIGTERM') } catch { /* the group is gone already */ }
    }
    server.kill('SIGTERM')
    await serverExited
    rmSync(dataDir, { recursive: true, force: true })
  }
})
