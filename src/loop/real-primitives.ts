/**
 * The host's real timer primitives, captured when simloop loads, so that the
 * loop keeps working while a simulation replaces the globals (fake globals).
 */
export const realSetImmediate = globalThis.setImmediate;
export const realClearImmediate = globalThis.clearImmediate;
export const realSetTimeout = globalThis.setTimeout;
export const realClearTimeout = globalThis.clearTimeout;
export const realSetInterval = globalThis.setInterval;
export const realClearInterval = globalThis.clearInterval;
export const realPerformanceNow: () => number = performance.now.bind(performance);
export const realDateNow: () => number = Date.now;
