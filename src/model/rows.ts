// The rows use cases hand to resolvers, typed where the SQL makes them (db/queries/…). Resolvers
// import these names from here, never from db/: the graphql layer knows the model only.
export type { ApiKeyRow } from '../db/queries/apiKeys.js'
export type { AuthLogFilter } from '../db/queries/authLog.js'
export type { IdentityRow } from '../db/queries/identities.js'
export type { MemberFilter, Membership } from '../db/queries/memberships.js'
export type { PersonRow, PersonsFilter } from '../db/queries/persons.js'
export type { ProjectRow, ProjectSecretInfo } from '../db/queries/projects.js'
