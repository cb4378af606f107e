#!/usr/bin/env node
// `npm run build`: compile src/ to dist/ and packages/client/src/ to packages/client/dist/, then copy GraphiQL's browser bundles
// (from the development dependencies graphiql, react and react-dom) into dist/graphiql/, so a
// packed package serves GraphiQL with no network and without those packages installed.
import { spawnSync } from 'node:child_process'

const root = new URL('..', import.meta.url).pathname
const tsc = new URL('../node_modules/typescript/bin/tsc', import.meta.url).pathname
// The server, and the client (packages/client, also shipped in this package as tenant-api/client).
for (const project of ['tsconfig.build.json', 'packages/client/tsconfig.json']) {
  const compiled = spawnSync(process.execPath, [tsc, '-p', project], { cwd: root, stdio: 'inherit' })
  if (compiled.status !== 0) process.exit(compiled.status ?? 1)
}

const { copyGraphiqlAssets } = await import('../dist/http/graphiql.js')
await copyGraphiqlAssets()
