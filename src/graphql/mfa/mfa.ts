import * as emailOtp from '../../model/mfa/emailOtpFactor.js'
import * as backupCodes from '../../model/mfa/regenerateBackupCodes.js'
import * as reset from '../../model/mfa/resetPersonMfa.js'
import type { Resolver } from '../context.js'
import { raiseUnnamed } from '../errors.js'
import { toPayload } from '../payload.js'

const forbidden = { forbidden: ['FORBIDDEN'] }

export const regenerateBackupCodes: Resolver<{ password?: string | null; otpToken?: string | null }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await backupCodes.regenerateBackupCodes(ctx.deps, ctx.caller, args), forbidden))

export const initEmailOtp: Resolver = async (_, __, ctx) =>
  toPayload(raiseUnnamed(await emailOtp.initEmailOtp(ctx.deps, ctx.caller), forbidden))

export const confirmEmailOtp: Resolver<{ otpToken: string }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await emailOtp.confirmEmailOtp(ctx.deps, ctx.caller, args.otpToken), forbidden))

export const disableEmailOtp: Resolver<{ password?: string | null; otpToken?: string | null }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await emailOtp.disableEmailOtp(ctx.deps, ctx.caller, args), forbidden))

export const resetPersonMfa: Resolver<{ personId: string }> = async (_, args, ctx) =>
  toPayload(raiseUnnamed(await reset.resetPersonMfa(ctx.deps, ctx.caller, args.personId), forbidden))
