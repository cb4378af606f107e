#!/usr/bin/env node
// `npm install` in a clone builds dist/ (the CLI runs the compiled code). An install without the
// development tools (`npm ci --omit=dev`) has no TypeScript: then there is nothing to build, and
// a package installed from the registry or a packed tarball already carries dist/.
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'

const tsc = new URL('../node_modules/typescript/bin/tsc', import.meta.url).pathname
if (!existsSync(tsc)) {
  console.log('tenant-api: no TypeScript installed (production install), skipping the build')
  process.exit(0)
}
const run = spawnSync(process.execPath, [new URL('build.mjs', import.meta.url).pathname], { stdio: 'inherit' })
process.exit(run.status ?? 1)
