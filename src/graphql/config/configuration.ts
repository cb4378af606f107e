import * as model from '../../model/config/configuration.js'
import type { Resolver } from '../context.js'
import { valueOf } from '../errors.js'

export const configuration: Resolver = async (_, __, ctx) => valueOf(await model.configuration(ctx.deps, ctx.caller))

/** 2.0.8's `expirationMinutes` beside the newer `expiration` (seconds here, an Interval on the wire). */
export const ConfigPasswordless = {
  expirationMinutes: (section: { expiration: number }) => Math.round(section.expiration / 60),
}
