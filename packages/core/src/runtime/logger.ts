/** The logging surface Cohort uses; Nest's LoggerService satisfies it. */
export interface CohortLogger {
  debug?(message: string, context?: string): void;
  log(message: string, context?: string): void;
  warn(message: string, context?: string): void;
  error(message: string, context?: string): void;
}

const LEVELS = ['debug', 'log', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LEVELS)[number];

/** Console logger with a minimum level (default from COHORT_LOG_LEVEL, else 'warn'). */
export class ConsoleLogger implements CohortLogger {
  private readonly min: number;

  constructor(level: LogLevel = parseLevel(process.env['COHORT_LOG_LEVEL']) ?? 'warn') {
    this.min = LEVELS.indexOf(level);
  }

  debug(message: string, context?: string): void {
    this.write(0, message, context);
  }

  log(message: string, context?: string): void {
    this.write(1, message, context);
  }

  warn(message: string, context?: string): void {
    this.write(2, message, context);
  }

  error(message: string, context?: string): void {
    this.write(3, message, context);
  }

  private write(level: number, message: string, context?: string): void {
    if (level < this.min) return;
    const line = `[cohort] ${LEVELS[level]} ${context ? `[${context}] ` : ''}${message}`;
    if (level >= 2) console.error(line);
    else console.log(line);
  }
}

function parseLevel(value: string | undefined): LogLevel | undefined {
  return LEVELS.find((l) => l === value);
}
