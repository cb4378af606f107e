// Whether a failure means the database is out of reach (answered 503, to be retried): the graphql
// layer asks here, as it knows the model only, never db/.
export { isDatabaseUnavailable, unavailableMessage } from '../db/errors.js'
