import { pino, type Logger } from 'pino';

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

/** Creates the process logger: JSON lines on stdout, with the token redacted by path and by value. */
export function createLogger(options: { level: string; secret?: string; destination?: NodeJS.WritableStream }): Logger {
  const { secret } = options;
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
    (options.destination ?? process.stdout) as pino.DestinationStream,
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
