import assert from 'node:assert/strict'
import { chmod, lstat, mkdir, mkdtemp, readdir, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { test } from 'node:test'
import { createApp, type App } from '../../src/app.js'
import { loadConfig } from '../../src/config/env.js'
import { securePrivateDir } from '../../src/db/dataDir.js'
import { generateToken } from '../../src/model/tokens.js'
import { backend } from '../helpers/db.js'

// These run on PGlite whatever the suite's backend: no DATABASE_URL, so DATA_DIR holds the database.
// So they run once, on the PGlite pass.
const once = { skip: backend === 'postgres' ? 'PGlite only: run on the PGlite pass' : false }
// umask 000 is the worst case: without the fix every file PGlite unpacks would be world-writable.

const mode = async (path: string) => (await stat(path)).mode & 0o777

/** Everything under `dir` with a group or other permission bit, as `path mode`. */
async function openToOthers(dir: string, root = dir): Promise<string[]> {
  const found: string[] = []
  for (const name of await readdir(dir)) {
    const path = join(dir, name)
    const entry = await lstat(path)
    if (entry.isSymbolicLink()) continue
    if (entry.mode & 0o077) found.push(`${relative(root, path)} ${(entry.mode & 0o777).toString(8)}`)
    if (entry.isDirectory()) found.push(...await openToOthers(path, root))
  }
  return found
}

async function withUmask<T>(mask: number, fn: () => Promise<T>): Promise<T> {
  const previous = process.umask(mask)
  try {
    return await fn()
  } finally {
    process.umask(previous)
  }
}

async function startOn(dataDir: string): Promise<App & { root: string; url: string }> {
  const root = generateToken()
  const app = await createApp(loadConfig({
    DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', CONTEMBER_ROOT_TOKEN: root, CONTEMBER_LOGIN_TOKEN: generateToken(),
  }))
  await app.server.listen({ port: 0, host: '127.0.0.1' })
  return Object.assign(app, { root, url: `http://127.0.0.1:${(app.server.server.address() as { port: number }).port}` })
}

/** A write through the API, so PGlite makes files after the start too. */
async function createKey(app: { root: string; url: string }) {
  const res = await fetch(`${app.url}/tenant`, {
    method: 'POST', headers: { authorization: `Bearer ${app.root}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'mutation { createGlobalApiKey(description: "k") { ok } }' }),
  })
  assert.equal((await res.json()).data.createGlobalApiKey.ok, true)
}

const tempDir = () => mkdtemp(join(tmpdir(), 'tenant-api-data-dir-'))

test('DATA_DIR: a new one is made 0700 and nothing in it is open to other accounts, even under umask 000', once, async () => {
  await withUmask(0o000, async () => {
    const dir = join(await tempDir(), 'data')
    const app = await startOn(dir)
    try {
      assert.equal(await mode(dir), 0o700)
      assert.deepEqual(await openToOthers(dir), [])
      assert.equal((await lstat(join(dir, 'encryption.key'))).mode & 0o777, 0o600, 'the generated key file')
      assert.equal(app.bootstrap.dataDirMadePrivate, false, 'a new directory is no news')
      await createKey(app)
      assert.equal(await mode(dir), 0o700, 'files made from now on are out of reach of other accounts')
    } finally {
      await app.close()
    }
    // A second start finds it private: nothing to report.
    const again = await startOn(dir)
    try {
      assert.equal(again.bootstrap.dataDirMadePrivate, false)
      assert.deepEqual(await openToOthers(dir), [])
    } finally {
      await again.close()
    }
    assert.equal(await mode(dir), 0o700)
  })
})

test('DATA_DIR: an existing one open to all (0777, a 0666 file, a 0777 folder) is made private and reported', once, async () => {
  await withUmask(0o000, async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'notes.txt'), 'x', { mode: 0o666 })
    await mkdir(join(dir, 'folder'), { mode: 0o777 })
    await writeFile(join(dir, 'folder', 'inner.txt'), 'x', { mode: 0o666 })
    await chmod(dir, 0o777)
    const app = await startOn(dir)
    try {
      assert.equal(app.bootstrap.dataDirMadePrivate, true)
      assert.equal(await mode(dir), 0o700)
      assert.equal(await mode(join(dir, 'notes.txt')), 0o600)
      assert.equal(await mode(join(dir, 'folder')), 0o700)
      assert.equal(await mode(join(dir, 'folder', 'inner.txt')), 0o600)
      assert.deepEqual(await openToOthers(dir), [])
    } finally {
      await app.close()
    }
  })
})

test('DATA_DIR: a link inside is not followed, so a file outside keeps its mode', once, async () => {
  const outside = join(await tempDir(), 'shared.txt')
  await writeFile(outside, 'x')
  await chmod(outside, 0o644)
  const dir = await tempDir()
  await chmod(dir, 0o755)
  await symlink(outside, join(dir, 'link'))
  assert.deepEqual(await securePrivateDir(dir), { fixed: true })
  assert.equal(await mode(dir), 0o700)
  assert.equal(await mode(outside), 0o644)
})
