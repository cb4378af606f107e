import * as model from '../../model/config/configuration.js'
import type { Resolver } from '../context.js'
import { valueOf } from '../errors.js'

export const configuration: Resolver = async (_, __, ctx) => valueOf(await model.configuration(ctx.deps, ctx.principal))
