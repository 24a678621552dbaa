// The daemon's log: one line per record, "TIME LEVEL [domain=NAME] [job=OP] message", so that
// `grep domain=web1 tsvirtd.log` finds everything about one guest.

export interface LogFields {
  domain?: string;
  job?: string;
}

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
}

/** A name with spaces or quotes is quoted, so each field stays one word. */
function field(key: string, value: string): string {
  return /^[\w.:@+-]+$/.test(value) ? `${key}=${value}` : `${key}=${JSON.stringify(value)}`;
}

export function formatLogLine(time: Date, level: string, msg: string, f: LogFields = {}): string {
  const fields = [f.domain !== undefined && field('domain', f.domain), f.job !== undefined && field('job', f.job)].filter(Boolean);
  return `${time.toISOString()} ${level} ${fields.length ? `${fields.join(' ')} ` : ''}${msg}\n`;
}

export function makeLogger(write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  return {
    info: (m, f) => write(formatLogLine(new Date(), 'info', m, f)),
    warn: (m, f) => write(formatLogLine(new Date(), 'warn', m, f)),
  };
}
