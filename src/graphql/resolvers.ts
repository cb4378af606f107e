import { me } from './identity/me.js'
import { Identity, identityLoaders } from './identity/Identity.js'
import { Json, DateTime } from './scalars.js'

// The one place that says which resolver answers which field.
export const resolvers = {
  Json,
  DateTime,
  Query: { me },
  Identity,
}

export const loaders = {
  ...identityLoaders,
}
