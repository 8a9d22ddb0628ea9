/** A logger that drops everything: the specs check outcomes, not log lines. */
export const silentLogger = { debug: () => {}, log: () => {}, warn: () => {}, error: () => {} };

/**
 * Node options for in-process specs: failure detection and protocol timers scaled down so that a
 * view change takes tens of milliseconds. Specs that run many Nest applications in one event loop
 * on a loaded machine may need slower failure detection than this.
 */
export const FAST_OPTIONS = {
  joinTimeoutMs: 200,
  heartbeatMs: 20,
  suspectAfterMs: 60,
  verifyTimeoutMs: 30,
  tickMs: 5,
  nakIntervalMs: 20,
  digestIntervalMs: 10,
  flushRetryMs: 50,
} as const;
