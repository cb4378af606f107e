// Every use case answers with a typed result: the error codes the GraphQL schema names are
// values here, not exceptions. Exceptions are for bugs and outages only.
export type Result<T, C extends string> =
  | { ok: true; value: T }
  | { ok: false; code: C; message: string }

export const ok = <T>(value: T) => ({ ok: true as const, value })

export const fail = <C extends string>(code: C, message: string) =>
  ({ ok: false as const, code, message })
