/**
 * A one-line progress bar on a terminal (redrawn in place), or a line every 10 % elsewhere
 * (a CI log), so the output stays readable both ways.
 */
export class Progress {
  private readonly tty = process.stdout.isTTY === true;
  private lastDecile = -1;
  private readonly startedAt = Date.now();

  constructor(
    private readonly total: number,
    private readonly label: string,
  ) {}

  update(done: number, note = ''): void {
    const fraction = Math.min(1, done / this.total);
    const rate = Math.round(done / Math.max(0.001, (Date.now() - this.startedAt) / 1000));
    const text = `${this.label} ${bar(fraction)} ${String(Math.floor(fraction * 100)).padStart(3)}% ${done}/${this.total} (${rate}/s)${note ? `  ${note}` : ''}`;
    if (this.tty) {
      process.stdout.write(`\r${text}\x1b[K`);
      return;
    }
    const decile = Math.floor(fraction * 10);
    if (decile !== this.lastDecile) {
      this.lastDecile = decile;
      console.log(text);
    }
  }

  /** Prints a message on its own line without breaking the bar. */
  note(message: string): void {
    if (this.tty) process.stdout.write(`\r\x1b[K${message}\n`);
    else console.log(message);
  }

  finish(): void {
    if (this.tty) process.stdout.write('\n');
  }
}

function bar(fraction: number, width = 30): string {
  const full = Math.round(fraction * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}
