/**
 * Host logging with host.json `logging.logLevel` filtering: the longest matching category prefix wins
 * (e.g. "Function.hello" > "Function" > "default"), as in the real host. Output goes to stderr so
 * stdout stays free for the machine-readable ready line.
 */
export type LogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';
const order: Record<LogLevel, number> = { trace: 0, debug: 1, information: 2, warning: 3, error: 4, critical: 5, none: 6 };

export function parseLogLevel(value: string): LogLevel | undefined {
  const v = value.toLowerCase();
  if (v === 'info') return 'information';
  if (v === 'warn') return 'warning';
  return v in order ? (v as LogLevel) : undefined;
}

export type LogSink = (line: string) => void;

export class Logger {
  constructor(
    private readonly levels: Record<string, LogLevel>,
    private readonly sink: LogSink = (line) => process.stderr.write(line + '\n'),
  ) {}

  /** Level configured for a category: longest dotted prefix present in host.json, else "default", else information. */
  levelFor(category: string): LogLevel {
    const parts = category.split('.');
    for (let i = parts.length; i > 0; i--) {
      const key = parts.slice(0, i).join('.');
      const found = this.levels[key] ?? this.levels[key.toLowerCase()];
      if (found) return found;
    }
    return this.levels['default'] ?? 'information';
  }

  enabled(category: string, level: LogLevel): boolean {
    return level !== 'none' && order[level] >= order[this.levelFor(category)];
  }

  log(category: string, level: LogLevel, message: string): void {
    if (!this.enabled(category, level)) return;
    this.sink(`[${new Date().toISOString()}] ${level.toUpperCase().padEnd(11)} ${category}: ${message}`);
  }

  info(category: string, message: string): void { this.log(category, 'information', message); }
  warn(category: string, message: string): void { this.log(category, 'warning', message); }
  error(category: string, message: string): void { this.log(category, 'error', message); }
  debug(category: string, message: string): void { this.log(category, 'debug', message); }
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return typeof err === 'string' ? err : JSON.stringify(err);
}
