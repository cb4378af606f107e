import { existsSync } from 'node:fs'
import { copyFile, mkdir, readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { graphiqlAssetsDir } from '../paths.js'

// GraphiQL is served by this server alone, so it works in a closed network. Its browser bundles
// come from the npm packages graphiql, react and react-dom (development dependencies): the build
// copies them into dist/graphiql/, which the packed package carries; from a clone they are read
// straight from node_modules. The page and its start script are ours.

interface Asset {
  /** The URL's last segment, and the file's name in dist/graphiql/. */
  name: string
  /** Where npm puts it: a package name and the file inside it. */
  source: string
  type: string
}

export const graphiqlAssets: readonly Asset[] = [
  { name: 'react.production.min.js', source: 'react/umd/react.production.min.js', type: 'text/javascript' },
  { name: 'react-dom.production.min.js', source: 'react-dom/umd/react-dom.production.min.js', type: 'text/javascript' },
  { name: 'graphiql.min.js', source: 'graphiql/graphiql.min.js', type: 'text/javascript' },
  { name: 'graphiql.min.css', source: 'graphiql/graphiql.min.css', type: 'text/css' },
]
/** The bundles' licences travel with them (all MIT). */
const licences = ['react/LICENSE', 'react-dom/LICENSE', 'graphiql/LICENSE']

const ASSET_PREFIX = '/graphiql/assets/'

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>tenant-api · GraphiQL</title>
  <link rel="stylesheet" href="${ASSET_PREFIX}graphiql.min.css">
  <link rel="stylesheet" href="${ASSET_PREFIX}page.css">
</head>
<body>
  <div id="graphiql"><p class="waiting">Loading GraphiQL…</p></div>
  <script src="${ASSET_PREFIX}react.production.min.js"></script>
  <script src="${ASSET_PREFIX}react-dom.production.min.js"></script>
  <script src="${ASSET_PREFIX}graphiql.min.js"></script>
  <script src="${ASSET_PREFIX}start.js"></script>
</body>
</html>
`

const pageCss = `html, body, #graphiql { height: 100%; margin: 0; }
.waiting { font: 16px system-ui, sans-serif; padding: 2em; }
`

// Every request needs a bearer token, so the headers pane starts with the header to fill in.
// Headers are not kept in the browser's storage: a root token should not outlive the tab.
const startScript = `'use strict'
;(function () {
  var root = document.getElementById('graphiql')
  if (typeof GraphiQL === 'undefined' || typeof ReactDOM === 'undefined') {
    root.textContent = 'GraphiQL could not load its scripts from this server (see the browser console).'
    return
  }
  var fetcher = GraphiQL.createFetcher({ url: new URL('/tenant', location.href).toString() })
  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultHeaders: '{\\n  "Authorization": "Bearer <token>"\\n}',
    shouldPersistHeaders: false,
    defaultEditorToolsVisibility: 'headers',
    defaultQuery: '# Every request needs a token: put it in the headers pane below.\\n{\\n  me {\\n    id\\n    roles\\n  }\\n}\\n',
  }))
})()
`

const inline: Record<string, { body: string; type: string }> = {
  'page.css': { body: pageCss, type: 'text/css' },
  'start.js': { body: startScript, type: 'text/javascript' },
}

/**
 * A file inside an installed package, found the way Node finds packages (the nearest
 * node_modules upwards). Not through `require.resolve`: the packages' export maps hide these files.
 */
function installedFile(source: string): string | null {
  const [name, ...rest] = source.split('/')
  for (const dir of createRequire(import.meta.url).resolve.paths(name!) ?? []) {
    const path = join(dir, name!, ...rest)
    if (existsSync(path)) return path
  }
  return null
}

/** The file to serve for an asset: the build's copy, else the installed package's. */
function locate(asset: Asset): string | null {
  const built = join(graphiqlAssetsDir, asset.name)
  return existsSync(built) ? built : installedFile(asset.source)
}

function installedOrThrow(source: string): string {
  const path = installedFile(source)
  if (path === null) throw new Error(`${source} is not installed (npm install the development dependencies)`)
  return path
}

/** The build step: copies the bundles and their licences next to the compiled server. */
export async function copyGraphiqlAssets(target = graphiqlAssetsDir): Promise<void> {
  await mkdir(join(target, 'licences'), { recursive: true })
  for (const asset of graphiqlAssets) await copyFile(installedOrThrow(asset.source), join(target, asset.name))
  for (const licence of licences) {
    await copyFile(installedOrThrow(licence), join(target, 'licences', `${licence.split('/')[0]}.txt`))
  }
}

// The page runs only scripts and styles from this server (GraphiQL adds style elements, and its
// fonts and icons are data: URLs), talks only to this server, and may not be framed.
export const graphiqlContentSecurityPolicy = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    fontSrc: ["'self'", 'data:'],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
    frameAncestors: ["'none'"],
  },
}

/**
 * `GET /graphiql` and its assets. Returns false (and serves nothing) when the bundles are not
 * installed, e.g. `npm ci --omit=dev` in a clone without a build.
 */
export async function registerGraphiql(server: FastifyInstance): Promise<boolean> {
  const files = new Map<string, { body: Buffer | string; type: string }>()
  for (const asset of graphiqlAssets) {
    const path = locate(asset)
    if (path === null) {
      server.log.warn(`GraphiQL is off: ${asset.source} is not installed (build the package, or install its development dependencies)`)
      return false
    }
    files.set(asset.name, { body: await readFile(path), type: asset.type })
  }
  for (const [name, file] of Object.entries(inline)) files.set(name, file)

  server.get('/graphiql', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(page))
  server.get<{ Params: { name: string } }>(`${ASSET_PREFIX}:name`, async (request, reply) => {
    const file = files.get(request.params.name)
    if (file === undefined) {
      return reply.code(404).send({ errors: [{ message: `Route GET ${ASSET_PREFIX}${request.params.name} not found` }] })
    }
    return reply.type(`${file.type}; charset=utf-8`).header('cache-control', 'public, max-age=3600').send(file.body)
  })
  return true
}
