/** Time comes from here, never from `new Date()` in a use case, so tests can move it. */
export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }

/** A clock for tests: starts at `start` and moves only when told. */
export function manualClock(start = new Date()): Clock & { advance(ms: number): void; set(at: Date): void } {
  let current = start.getTime()
  return {
    now: () => new Date(current),
    advance: (ms) => { current += ms },
    set: (at) => { current = at.getTime() },
  }
}
