/** How a child process ended: an exit code, or the signal that killed it. */
export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}
