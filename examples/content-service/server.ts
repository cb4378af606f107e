import { createServer, type Server } from 'node:http'
import { createTenantClient, requireMembership, variableValues, type TokenInfo } from '../../packages/client/src/index.js'

// A tiny content API: it serves articles only to tokens with a membership in its project, and
// of those only the articles in the languages of the token's `language` variable. Every
// request is verified through tenant-api's POST /introspect.

export const articles = [
  { id: 1, language: 'cs', title: 'Ahoj světe' },
  { id: 2, language: 'cs', title: 'Druhý článek' },
  { id: 3, language: 'en', title: 'Hello world' },
  { id: 4, language: 'de', title: 'Hallo Welt' },
]

export interface ContentServiceOptions {
  tenantUrl: string
  introspectionToken: string
  project: string
  /** Reuse of introspection answers; 0 (the default here) asks tenant-api on every request. */
  cacheTtlMs?: number
}

export function createContentService(options: ContentServiceOptions): Server {
  const client = createTenantClient({ url: options.tenantUrl, token: options.introspectionToken, cacheTtlMs: options.cacheTtlMs ?? 0 })
  const guard = requireMembership(client, options.project)
  return createServer((req, res) => {
    const request = req as typeof req & { tenant?: TokenInfo }
    guard(request, res, (error) => {
      if (error) {
        res.statusCode = 502
        res.end(JSON.stringify({ error: 'cannot verify the token right now' }))
        return
      }
      if (req.method !== 'GET' || req.url !== '/articles') {
        res.statusCode = 404
        res.end(JSON.stringify({ error: 'not found' }))
        return
      }
      const languages = variableValues(request.tenant!, 'language')
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ articles: articles.filter((a) => languages.includes(a.language)) }))
    })
  })
}

// `npm start` in this folder: settings from the environment.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const { TENANT_URL = 'http://127.0.0.1:4000', INTROSPECTION_TOKEN, PROJECT = 'blog', PORT = '4050' } = process.env
  if (!INTROSPECTION_TOKEN) {
    process.stderr.write('content-service: set INTROSPECTION_TOKEN to a tenant-api token with the introspector role\n')
    process.exit(1)
  }
  const server = createContentService({ tenantUrl: TENANT_URL, introspectionToken: INTROSPECTION_TOKEN, project: PROJECT })
  server.listen(Number(PORT), '127.0.0.1', () => process.stdout.write(`content-service on http://127.0.0.1:${PORT}/articles (project ${PROJECT})\n`))
}
