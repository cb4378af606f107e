import type { Db } from '../db/db.js'
import type { Clock } from './clock.js'

/** Everything a use case may touch, built once in app.ts. */
export interface Deps {
  db: Db
  clock: Clock
}
