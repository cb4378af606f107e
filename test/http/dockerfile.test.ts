import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, posix, relative } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { backend } from '../helpers/db.js'

// Independent of the database: run once, on the PGlite pass.
const skip = backend === 'postgres'

// There is no container engine here, so the Dockerfile is checked by running its steps as plain
// shell commands: each stage gets a folder of its own standing for its file system root,
// WORKDIR and absolute COPY destinations are mapped into it, COPY reads the build context (the
// repository, filtered by .dockerignore) or an earlier stage's folder, and every RUN runs with
// `bash -euo pipefail -c` in the mapped WORKDIR with the stage's ENV. Then the final stage's
// command starts the server, its HEALTHCHECK must pass, it must answer GraphQL, and SIGTERM must
// stop it with exit code 0. What cannot be done outside a container is said where it is skipped:
// USER (only checked not to be root), --chown (the files stay the running account's), cache
// mounts (npm uses this machine's cache, preferring it to the registry).

const root = fileURLToPath(new URL('../..', import.meta.url))
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8')
const dockerignore = readFileSync(join(root, '.dockerignore'), 'utf8')
const baseImage = 'node:22-slim'

// --- parsing ------------------------------------------------------------------------------

interface Instruction {
  line: number
  op: string
  flags: Record<string, string>
  /** Everything after the op and its --flags. */
  args: string
  /** The JSON ("exec") form's array, or null for the shell form. */
  json: string[] | null
}

type Command = { exec: string[] } | { shell: string }

function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = []
  let current = ''
  let start = 0
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim()
    // Comments (and parser directives) and blank lines are dropped, also inside continuations.
    if (trimmed === '' || trimmed.startsWith('#')) return
    if (current === '') start = index + 1
    if (/\\[ \t]*$/.test(raw)) {
      current += raw.replace(/\\[ \t]*$/, '')
      return
    }
    current += raw
    instructions.push(parseInstruction(current, start))
    current = ''
  })
  assert.equal(current, '', 'the Dockerfile ends inside a line continuation')
  return instructions
}

function parseInstruction(text: string, line: number): Instruction {
  const match = /^\s*([A-Za-z]+)\s*([\s\S]*)$/.exec(text)
  assert.ok(match, `Dockerfile line ${line}: cannot read "${text}"`)
  const op = match[1]!.toUpperCase()
  let args = match[2]!.trim()
  const flags: Record<string, string> = {}
  let flag: RegExpExecArray | null
  while ((flag = /^--([a-z-]+)(?:=(\S*))?\s+/.exec(args))) {
    const name = flag[1]!
    // RUN may carry several --mount flags: keep them all, separated by a space.
    flags[name] = flags[name] === undefined ? (flag[2] ?? '') : `${flags[name]} ${flag[2] ?? ''}`
    args = args.slice(flag[0].length)
  }
  return { line, op, flags, args, json: jsonForm(args) }
}

/** `["a", "b"]` is the exec form; anything that is not a JSON array of strings is shell form. */
function jsonForm(args: string): string[] | null {
  if (!args.startsWith('[')) return null
  try {
    const value: unknown = JSON.parse(args)
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value as string[] : null
  } catch {
    return null
  }
}

/** Splits on blanks, keeping quoted parts together (ENV key="a b"). */
function words(text: string): string[] {
  const out: string[] = []
  const re = /(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|((?:[^\s"'\\]|\\.)+))+/g
  for (const m of text.matchAll(re)) {
    out.push(m[0].replace(/"((?:[^"\\]|\\.)*)"|'([^']*)'|\\(.)/g, (_, dq?: string, sq?: string, esc?: string) =>
      dq !== undefined ? dq.replace(/\\(.)/g, '$1') : sq !== undefined ? sq : esc ?? ''))
  }
  return out
}

// --- stages -------------------------------------------------------------------------------

interface Stage {
  index: number
  name: string | undefined
  image: string
  /** The folder standing for this stage's "/" (empty until the stage is built). */
  root: string
  workdir: string
  env: Record<string, string>
  user: string | undefined
  volumes: string[]
  expose: string[]
  healthcheck: Command | undefined
  entrypoint: Command | undefined
  cmd: Command | undefined
}

const commandOf = (instruction: Instruction): Command =>
  instruction.json ? { exec: instruction.json } : { shell: instruction.args }

const noVariables = (instruction: Instruction, text: string) =>
  assert.ok(!text.includes('$'), `Dockerfile line ${instruction.line}: variables in ${instruction.op} are not simulated`)

interface BuildOptions {
  /** Run the steps (else only read the static facts). */
  run: boolean
  /** Where the stage folders go. */
  work?: string
  /** Every step's environment before the stage's ENV. */
  baseEnv?: Record<string, string>
  log?: (text: string) => void
}

/** Reads (and with run: true, builds) every stage; answers them in order. */
function buildStages(instructions: Instruction[], options: BuildOptions): Stage[] {
  const stages: Stage[] = []
  let stage: Stage | undefined
  const at = (path: string) => join(stage!.root, posix.resolve(stage!.workdir, path))
  for (const instruction of instructions) {
    const where = `Dockerfile line ${instruction.line} (${instruction.op} ${instruction.args.slice(0, 60)})`
    if (instruction.op === 'FROM') {
      const [image, as, name, ...rest] = words(instruction.args)
      assert.ok(image && (as === undefined || (as.toUpperCase() === 'AS' && name && rest.length === 0)), `${where}: cannot read`)
      assert.ok(!stages.some((s) => s.name === image), `${where}: a stage built on an earlier stage is not simulated`)
      stage = {
        index: stages.length, name, image, root: options.run ? join(options.work!, `stage-${stages.length}`) : '',
        workdir: '/', env: {}, user: undefined, volumes: [], expose: [], healthcheck: undefined, entrypoint: undefined, cmd: undefined,
      }
      if (options.run) mkdirSync(stage.root, { recursive: true })
      stages.push(stage)
      continue
    }
    assert.ok(stage, `${where}: before the first FROM`)
    switch (instruction.op) {
      case 'WORKDIR':
        noVariables(instruction, instruction.args)
        stage.workdir = posix.resolve(stage.workdir, instruction.args)
        if (options.run) mkdirSync(at('.'), { recursive: true })
        break
      case 'ENV': {
        noVariables(instruction, instruction.args)
        const parts = words(instruction.args)
        if (parts[0] && !parts[0].includes('=')) {
          stage.env[parts[0]] = parts.slice(1).join(' ') // the old `ENV KEY value` form
        } else {
          for (const part of parts) {
            const eq = part.indexOf('=')
            assert.ok(eq > 0, `${where}: expected KEY=value`)
            stage.env[part.slice(0, eq)] = part.slice(eq + 1)
          }
        }
        break
      }
      case 'USER': stage.user = instruction.args; break
      case 'VOLUME': stage.volumes.push(...(instruction.json ?? words(instruction.args))); break
      case 'EXPOSE': stage.expose.push(...words(instruction.args)); break
      case 'LABEL': break
      case 'HEALTHCHECK': {
        if (/^NONE$/i.test(instruction.args)) {
          stage.healthcheck = undefined
          break
        }
        const cmd = /^CMD\s+([\s\S]*)$/i.exec(instruction.args)
        assert.ok(cmd, `${where}: expected HEALTHCHECK [options] CMD …`)
        const rest = cmd[1]!.trim()
        const json = jsonForm(rest)
        stage.healthcheck = json ? { exec: json } : { shell: rest }
        break
      }
      case 'CMD': stage.cmd = commandOf(instruction); break
      case 'ENTRYPOINT':
        stage.entrypoint = commandOf(instruction)
        stage.cmd = undefined // as Docker does: a new ENTRYPOINT drops an inherited CMD
        break
      case 'COPY':
        if (options.run) copyStep(instruction, stage, stages, at)
        break
      case 'RUN':
        if (options.run) runStep(instruction, stage, options)
        break
      default:
        assert.fail(`${where}: ${instruction.op} is not simulated (extend test/http/dockerfile.test.ts)`)
    }
  }
  return stages
}

// --- COPY ---------------------------------------------------------------------------------

/** Docker's .dockerignore rules: a pattern excludes a path or a folder above it; `!` re-includes; the last match wins. */
function ignoreRules(text: string): (rel: string) => boolean {
  const rules = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => {
    const negate = l.startsWith('!')
    const pattern = posix.normalize((negate ? l.slice(1) : l).trim()).replace(/^\/+/, '').replace(/\/+$/, '')
    const re = pattern.split(/(\*\*\/|\*\*|\*|\?)/).map((piece) =>
      piece === '**/' ? '(?:.*/)?' : piece === '**' ? '.*' : piece === '*' ? '[^/]*' : piece === '?' ? '[^/]' : piece.replace(/[.+^${}()|[\]\\]/g, '\\$&')).join('')
    return { negate, re: new RegExp(`^${re}$`) }
  })
  return (rel) => {
    const parts = rel.split('/')
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'))
    let ignored = false
    for (const rule of rules) if (candidates.some((c) => rule.re.test(c))) ignored = !rule.negate
    return ignored
  }
}
const ignored = ignoreRules(dockerignore)

function copyStep(instruction: Instruction, stage: Stage, stages: Stage[], at: (path: string) => string): void {
  const where = `Dockerfile line ${instruction.line}`
  const parts = instruction.json ?? words(instruction.args)
  noVariables(instruction, parts.join(' '))
  assert.ok(parts.length >= 2, `${where}: COPY needs a source and a destination`)
  const dest = parts.at(-1)!
  const sources = parts.slice(0, -1)
  // --chown cannot be honoured without the image's accounts: the copies stay this account's.
  const from = instruction.flags.from
  const source = from === undefined ? null : stages.find((s) => s.name === from || String(s.index) === from)
  assert.ok(from === undefined || source, `${where}: --from=${from} names no earlier stage (images are not simulated)`)
  const base = source ? source.root : root
  const destPath = at(dest)
  const intoFolder = dest.endsWith('/') || dest === '.' || sources.length > 1 || existsSync(destPath) && statSync(destPath).isDirectory()
  const filter = (path: string) => {
    if (source) return true
    const rel = relative(root, path)
    return rel === '' || !ignored(rel)
  }
  const expanded = sources.flatMap((src) => {
    const full = join(base, source ? posix.resolve('/', src) : posix.normalize(src))
    if (!/[*?]/.test(posix.basename(src))) return [full]
    const name = posix.basename(src)
    const re = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`)
    const dir = dirname(full)
    return existsSync(dir) ? readdirSync(dir).filter((n) => re.test(n)).map((n) => join(dir, n)) : []
  }).filter((full) => filter(full))
  assert.ok(expanded.length > 0, `${where}: no source files for ${sources.join(' ')}`)
  for (const full of expanded) {
    assert.ok(existsSync(full), `${where}: ${full} does not exist`)
    if (statSync(full).isDirectory()) {
      // A folder's contents go into the destination folder.
      mkdirSync(destPath, { recursive: true })
      cpSync(full, destPath, { recursive: true, filter, verbatimSymlinks: true })
    } else {
      const target = intoFolder ? join(destPath, posix.basename(full)) : destPath
      mkdirSync(dirname(target), { recursive: true })
      cpSync(full, target)
    }
  }
}

// --- RUN ----------------------------------------------------------------------------------

function runStep(instruction: Instruction, stage: Stage, options: BuildOptions): void {
  const where = `Dockerfile line ${instruction.line}`
  for (const name of Object.keys(instruction.flags)) assert.ok(name === 'mount', `${where}: RUN --${name} is not simulated`)
  for (const mount of (instruction.flags.mount ?? '').split(' ').filter(Boolean)) {
    // A cache mount only keeps npm's download cache out of the image; here npm uses this machine's.
    assert.match(mount, /(^|,)type=cache(,|$)/, `${where}: only cache mounts are simulated`)
  }
  const [command, args] = instruction.json
    ? [instruction.json[0]!, instruction.json.slice(1)]
    : ['bash', ['-euo', 'pipefail', '-c', instruction.args]]
  options.log?.(`RUN (stage ${stage.name ?? stage.index}, ${stage.workdir}) ${instruction.args}`)
  const result = spawnSync(command, args, {
    cwd: join(stage.root, stage.workdir), env: { ...options.baseEnv, ...stage.env }, encoding: 'utf8', timeout: 150_000,
    stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024,
  })
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`
  assert.ok(result.status === 0, `${where}: RUN ${instruction.args}\nfailed (status ${result.status}, signal ${result.signal}` +
    `${result.error ? `, ${result.error.message}` : ''}):\n${output.slice(-4000)}`)
}

// --- helpers ------------------------------------------------------------------------------

/** Docker's rule: an exec-form ENTRYPOINT followed by CMD's words. */
function startCommand(stage: Stage): string[] {
  const entry = stage.entrypoint
  const cmd = stage.cmd
  assert.ok(!entry || 'exec' in entry, 'ENTRYPOINT is in exec form')
  assert.ok(!cmd || 'exec' in cmd, 'CMD is in exec form')
  const argv = [...(entry && 'exec' in entry ? entry.exec : []), ...(cmd && 'exec' in cmd ? cmd.exec : [])]
  assert.ok(argv.length > 0, 'the final stage has a CMD or ENTRYPOINT')
  return argv
}

/** Absolute paths that exist in the stage's folder are taken from there. */
const mapArgs = (stage: Stage, argv: string[]) =>
  argv.map((arg) => arg.startsWith('/') && existsSync(join(stage.root, arg)) ? join(stage.root, arg) : arg)

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** Runs the healthcheck as the engine would; answers its exit status. */
function runHealthcheck(stage: Stage, env: Record<string, string>): { status: number | null; output: string } {
  const check = stage.healthcheck!
  const [command, args] = 'exec' in check ? [check.exec[0]!, mapArgs(stage, check.exec.slice(1))] : ['sh', ['-c', check.shell]]
  const result = spawnSync(command, args, { cwd: join(stage.root, stage.workdir), env, encoding: 'utf8', timeout: 15_000 })
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}` }
}

/** The parts of this machine's environment a build needs (a container starts from an empty one). */
function hostEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY',
    'npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']) {
    const value = process.env[name]
    if (value !== undefined) env[name] = value
  }
  return env
}

/**
 * `chown node:node` as the image would run it: the base image has a `node` account, this
 * machine may not, so the shim gives the files to the account running the test instead.
 */
function chownShim(dir: string): void {
  const real = spawnSync('bash', ['-c', 'command -v chown'], { encoding: 'utf8' }).stdout.trim()
  assert.ok(real, 'chown exists')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'chown'), [
    '#!/usr/bin/env bash',
    'args=()',
    'for a in "$@"; do',
    '  case "$a" in node) a="$(id -u)" ;; node:node) a="$(id -u):$(id -g)" ;; esac',
    '  args+=("$a")',
    'done',
    `exec ${real} "\${args[@]}"`,
    '',
  ].join('\n'))
  chmodSync(join(dir, 'chown'), 0o755)
}

const instructions = parseDockerfile(dockerfile)

// --- the tests ----------------------------------------------------------------------------

test('Dockerfile: the static facts (base image, non-root user, /data volume, health check, exec-form command)', { skip }, () => {
  const stages = buildStages(instructions, { run: false })
  assert.ok(stages.length >= 2, 'multi-stage')
  for (const stage of stages) assert.equal(stage.image, baseImage, `stage ${stage.name ?? stage.index} is built on ${baseImage}`)
  const final = stages.at(-1)!
  assert.ok(final.user && !/^(root|0)(:|$)/.test(final.user), `the final USER is not root (got ${final.user})`)
  assert.deepEqual(final.volumes, ['/data'])
  assert.equal(final.env.DATA_DIR, '/data')
  assert.equal(final.env.HOST, '0.0.0.0')
  assert.equal(final.env.PORT, '4000')
  assert.deepEqual(final.expose, ['4000'])
  assert.ok(final.healthcheck, 'there is a HEALTHCHECK')
  assert.match(JSON.stringify(final.healthcheck), /\/health\b/)
  const argv = startCommand(final)
  assert.equal(argv[0], 'node', 'node runs the server itself (PID 1 gets SIGTERM), not npm or a shell')
  assert.ok(argv.includes('serve'), 'the default command serves')
  // What the build context leaves out.
  for (const path of ['node_modules', 'packages/client/node_modules', 'dist', 'packages/client/dist', 'data', '.git', '.env', 'test']) {
    assert.ok(ignored(path), `.dockerignore leaves out ${path}`)
  }
  for (const path of ['package.json', 'package-lock.json', 'src/main.ts', 'bin/tenant-api.js', 'scripts/prepare.mjs', 'README.md', 'LICENSE']) {
    assert.ok(!ignored(path), `.dockerignore keeps ${path}`)
  }
})

test('Dockerfile: its steps run as shell commands, the server starts, passes its health check and stops on SIGTERM', { timeout: 170_000, skip }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'tenant-api-dockerfile-'))
  let server: ChildProcess | undefined
  try {
    chownShim(join(work, 'shim'))
    const host = hostEnv()
    const baseEnv = {
      ...host,
      PATH: `${join(work, 'shim')}:${host.PATH ?? '/usr/bin:/bin'}`,
      // The image build downloads from the registry; here this machine's npm cache serves first.
      npm_config_prefer_offline: 'true',
      npm_config_update_notifier: 'false',
    }
    const started = Date.now()
    // Each RUN on one line of the test's output, so a slow or failing step is easy to place.
    const showStep = (text: string) => process.stdout.write(`${text.replace(/\s+/g, ' ').slice(0, 160)}\n`)
    const stages = buildStages(instructions, { run: true, work, baseEnv, log: showStep })
    const built = Date.now() - started
    const final = stages.at(-1)!
    const workdir = join(final.root, final.workdir)
    assert.ok(!existsSync(join(workdir, 'node_modules/typescript')), 'the runtime stage has no compiler')

    const port = await freePort()
    const rootToken = randomBytes(32).toString('hex')
    const loginToken = randomBytes(32).toString('hex')
    const dataDir = join(final.root, final.env.DATA_DIR!)
    const env = {
      ...baseEnv, ...final.env,
      PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info',
      CONTEMBER_ROOT_TOKEN: rootToken, CONTEMBER_LOGIN_TOKEN: loginToken,
    }
    const argv = mapArgs(final, startCommand(final))
    server = spawn(argv[0]!, argv.slice(1), { cwd: workdir, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let log = ''
    server.stdout!.on('data', (d) => { log += d })
    server.stderr!.on('data', (d) => { log += d })
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      server!.on('exit', (code, signal) => resolve({ code, signal })))
    let running = true
    void exited.then(() => { running = false })

    const url = `http://127.0.0.1:${port}`
    const deadline = Date.now() + 60_000
    let up = false
    while (!up && running && Date.now() < deadline) {
      up = await fetch(`${url}/health`).then((r) => r.ok, () => false)
      if (!up) await new Promise((r) => setTimeout(r, 200))
    }
    assert.ok(up, `the server did not start (${running ? 'still running' : 'it exited'}):\n${log}`)

    const health = runHealthcheck(final, env)
    assert.equal(health.status, 0, `HEALTHCHECK passes while the server runs:\n${health.output}`)
    assert.deepEqual(await (await fetch(`${url}/health`)).json(), { status: 'ok' })
    const res = await fetch(`${url}/tenant`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${rootToken}` },
      body: JSON.stringify({ query: '{ me { id } }' }),
    })
    const body = await res.json() as { data?: { me?: { id?: unknown } }; errors?: unknown }
    assert.equal(res.status, 200, JSON.stringify(body))
    assert.equal(typeof body.data?.me?.id, 'string', JSON.stringify(body))

    const stopAsked = Date.now()
    server.kill('SIGTERM')
    const stop = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 10_000))])
    assert.ok(stop, `SIGTERM stops the server within 10 s:\n${log}`)
    assert.deepEqual(stop, { code: 0, signal: null }, `a clean exit after SIGTERM:\n${log}`)
    const stopped = Date.now() - stopAsked

    assert.notEqual(runHealthcheck(final, env).status, 0, 'HEALTHCHECK fails when the server is down')
    assert.ok(existsSync(join(dataDir, 'PG_VERSION')), 'the embedded database lives in DATA_DIR (the volume)')
    assert.equal(statSync(dataDir).mode & 0o777, 0o700, 'DATA_DIR is private to its owner')
    assert.ok(!/readable or writable by other accounts/.test(log), `the image's /data needs no repair at start:\n${log}`)
    assert.ok(!existsSync(join(dataDir, 'tenant-api.lock')), 'the lock is given back on SIGTERM')
    process.stdout.write(`Dockerfile simulated: steps ${(built / 1000).toFixed(1)} s, SIGTERM to exit ${stopped} ms\n`)
  } finally {
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL')
    rmSync(work, { recursive: true, force: true })
  }
})

// --- compose.yaml -------------------------------------------------------------------------

/** `docker compose` (or a v2 `docker-compose`) when this machine has one; it needs no engine for `config`. */
function composeCommand(): string[] | null {
  const plugin = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8', timeout: 10_000 })
  if (plugin.status === 0) return ['docker', 'compose']
  const standalone = spawnSync('docker-compose', ['version'], { encoding: 'utf8', timeout: 10_000 })
  if (standalone.status === 0 && /v2\./.test(standalone.stdout)) return ['docker-compose']
  return null
}
const compose = skip ? null : composeCommand()

const composeText = readFileSync(join(root, 'compose.yaml'), 'utf8')
const composeSecrets = {
  POSTGRES_PASSWORD: randomBytes(16).toString('hex'),
  TENANT_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
  CONTEMBER_ROOT_TOKEN: randomBytes(32).toString('hex'),
  CONTEMBER_LOGIN_TOKEN: randomBytes(32).toString('hex'),
}

test('compose.yaml: PostgreSQL with a health check, secrets required, loopback port', { skip }, () => {
  for (const name of Object.keys(composeSecrets)) assert.ok(composeText.includes(`\${${name}:?`), `${name} is required`)
  assert.match(composeText, /image: postgres:1[67]\b/)
  assert.match(composeText, /pg_isready/)
  assert.match(composeText, /condition: service_healthy/)
  assert.match(composeText, /DATABASE_URL: postgres:\/\/\S+@postgres:5432\//)
  assert.match(composeText, /"\$\{TENANT_API_BIND:-127\.0\.0\.1\}:\$\{TENANT_API_PORT:-4000\}:4000"/)
})

test('compose.yaml: `docker compose config` accepts it with the secrets and refuses it without them',
  { skip: skip || (compose ? false : 'no `docker compose` on this machine (the docker client has no compose plugin)') }, () => {
    const work = mkdtempSync(join(tmpdir(), 'tenant-api-compose-'))
    try {
      // An empty env file: a developer's own .env must not supply what the test leaves out.
      const envFile = join(work, 'empty.env')
      writeFileSync(envFile, '')
      const config = (env: Record<string, string>) => spawnSync(compose![0]!, [...compose!.slice(1),
        '--env-file', envFile, '--project-directory', root, '-f', join(root, 'compose.yaml'), 'config', '-q'],
      { cwd: work, env: { PATH: process.env.PATH ?? '', HOME: work, ...env }, encoding: 'utf8', timeout: 30_000 })
      const ok = config(composeSecrets)
      assert.equal(ok.status, 0, ok.stderr)
      const missing = config({ POSTGRES_PASSWORD: composeSecrets.POSTGRES_PASSWORD })
      assert.notEqual(missing.status, 0, 'refused without the encryption key and the tokens')
      assert.match(missing.stderr, /TENANT_ENCRYPTION_KEY|CONTEMBER_ROOT_TOKEN|CONTEMBER_LOGIN_TOKEN/)
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  })
