import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir, hostname } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { openDb } from '../../src/db/db.js'
import { DataDirInUse, LOCK_FILE } from '../../src/db/dataDirLock.js'
import { backend } from '../helpers/db.js'

// Two processes on one embedded database would each keep their own copy and lose each other's
// writes: the first to open DATA_DIR holds it, others are refused with the holder's name.

// PGlite only (DATA_DIR holds the database whatever the suite's backend): run once, on the PGlite pass.
const once = { skip: backend === 'postgres' ? 'PGlite only: run on the PGlite pass' : false }

const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url))
const newDir = () => mkdtemp(join(tmpdir(), 'tenant-api-lock-'))

test('DATA_DIR lock: a second open is refused naming the holder; after close it opens again', once, async () => {
  const dir = await newDir()
  const first = await openDb({ DATA_DIR: dir })
  await assert.rejects(openDb({ DATA_DIR: dir }), (error: unknown) =>
    error instanceof DataDirInUse && error.message.includes(`process ${process.pid}`) && error.message.includes(dir))
  await first.close()
  const again = await openDb({ DATA_DIR: dir })
  await again.query('SELECT 1')
  await again.close()
})

test('DATA_DIR lock: another process (migrate) is refused with one clear line and exit code 1', once, async () => {
  const dir = await newDir()
  const held = await openDb({ DATA_DIR: dir })
  try {
    const run = spawnSync(process.execPath, ['--import', 'tsx', main, 'migrate'], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dir }, encoding: 'utf8', timeout: 60_000,
    })
    assert.equal(run.status, 1, run.stderr)
    assert.match(run.stderr.trim(), new RegExp(`^tenant-api: DATA_DIR .* is in use by process ${process.pid}`))
  } finally {
    await held.close()
  }
})

test('DATA_DIR lock: a lock left by a process that is gone (a crash) is taken over', once, async () => {
  const dir = await newDir()
  // A pid far above any the system hands out: no such process.
  await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: 2 ** 30, hostname: hostname(), startedAt: '2026-01-01T00:00:00Z' }))
  const db = await openDb({ DATA_DIR: dir })
  assert.equal(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')).pid, process.pid)
  await db.close()
  await assert.rejects(readFile(join(dir, LOCK_FILE)), { code: 'ENOENT' }, 'released on close')
})

test('DATA_DIR lock: a lock naming this process number from before this process started is taken over (a container restarted: always process 1)', once, async () => {
  const dir = await newDir()
  await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, hostname: hostname(), startedAt: '2026-01-01T00:00:00Z' }))
  const db = await openDb({ DATA_DIR: dir })
  assert.ok(Date.parse(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')).startedAt) > Date.parse('2026-01-01T00:00:00Z'))
  await db.close()
})

test('DATA_DIR lock: a lock from another host is held, and the message says how to take it over', once, async () => {
  const dir = await newDir()
  await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, hostname: 'gone-container', startedAt: '2026-01-01T00:00:00Z' }))
  await assert.rejects(openDb({ DATA_DIR: dir }), (error: unknown) => error instanceof DataDirInUse &&
    error.message.includes('process 1 on gone-container') && error.message.includes(`delete ${join(dir, LOCK_FILE)}`))
})
