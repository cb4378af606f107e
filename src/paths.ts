import { fileURLToPath } from 'node:url'

// This file sits at src/paths.ts and, compiled, at dist/paths.js: one level below the package
// root either way, so SQL and GraphQL files are found from source (tests) and from a build.
export const migrationsDir = fileURLToPath(new URL('../src/db/migrations/', import.meta.url))
export const graphqlSchemaDir = fileURLToPath(new URL('../src/graphql/schema/', import.meta.url))
/** GraphiQL's browser bundles, copied here by the build (see http/graphiql.ts). */
export const graphiqlAssetsDir = fileURLToPath(new URL('../dist/graphiql/', import.meta.url))
