import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

/**
 * pino-pretty, loaded only when a person reads the logs: a bot writing JSON lines (every deployment
 * that pipes its output) never loads it, and loading it cost about 20 ms of every start.
 */
const loadPretty = (): typeof PinoPretty => createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;

/** Paths pino blanks out wherever they appear in a log record, so a token can never reach the logs. */
export const REDACTED_PATHS = [
  'token',
  '*.token',
  'config.DISCORD_TOKEN',
  'DISCORD_TOKEN',
  'headers.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
];

/**
 * Removes a secret from free text too (error messages and stack traces can quote a URL or header
 * that carries it), since pino's path redaction only covers structured fields.
 */
export function redactSecret(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 8) return text;
  return text.split(secret).join('[REDACTED]');
}

/** How log records are written: one JSON object per line, or aligned, coloured text for a person. */
export type LogFormat = 'json' | 'pretty';

/**
 * Picks the log format: `LOG_FORMAT` when set; otherwise JSON in production or when stdout is piped
 * (log collectors parse lines), and readable text when a person is watching a terminal.
 */
export function resolveLogFormat(options: { logFormat?: LogFormat | undefined; nodeEnv?: string | undefined; isTTY?: boolean | undefined }): LogFormat {
  if (options.logFormat) return options.logFormat;
  if (options.nodeEnv === 'production') return 'json';
  return options.isTTY ? 'pretty' : 'json';
}

/**
 * Creates the process logger, with the token redacted by path and by value. `format` defaults to JSON
 * lines. The pretty printer runs in this thread on records pino has already redacted, so both formats
 * show exactly the same (scrubbed) data.
 */
export function createLogger(options: {
  level: string;
  secret?: string | undefined;
  destination?: NodeJS.WritableStream;
  format?: LogFormat;
  /** Pretty format only: ANSI colours; defaults to whether the terminal supports them. */
  colorize?: boolean;
}): Logger {
  const { secret } = options;
  const destination = options.destination ?? process.stdout;
  const stream =
    options.format === 'pretty'
      ? loadPretty()({
          destination,
          ...(options.colorize === undefined ? {} : { colorize: options.colorize }),
          translateTime: 'SYS:HH:MM:ss',
          ignore: 'pid,hostname',
          // One line per record keeps the startup summary readable; error stacks still get their own lines.
          singleLine: true,
        })
      : destination;
  return pino(
    {
      level: options.level,
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      hooks: secret
        ? {
            // Messages and error stacks are free text: scrub the token value itself, wherever it appears.
            logMethod(args, method) {
              const scrubbed = args.map((a) => (typeof a === 'string' ? redactSecret(a, secret) : scrubObject(a, secret)));
              return method.apply(this, scrubbed as Parameters<typeof method>);
            },
          }
        : {},
      serializers: { err: pino.stdSerializers.err },
    },
    stream as pino.DestinationStream,
  );
}

function scrubObject(value: unknown, secret: string): unknown {
  if (value instanceof Error) {
    const copy = new Error(redactSecret(value.message, secret));
    copy.name = value.name;
    copy.stack = value.stack ? redactSecret(value.stack, secret) : undefined;
    return copy;
  }
  if (value && typeof value === 'object') {
    const json = JSON.stringify(value, (_k, v: unknown) => (v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : v));
    if (json && json.includes(secret)) return JSON.parse(redactSecret(json, secret)) as unknown;
  }
  return value;
}

export type { Logger };
