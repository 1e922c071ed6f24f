import { request } from 'node:http';
import { startDiscordSandbox, type DiscordSandbox, type SandboxOptions } from '../../src/discord-sandbox/server.ts';

/** An answer from the loopback server, as raw HTTP gives it. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or undefined for an empty body. */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary Discord JSON
}

/**
 * One REST call over a fresh connection (no keep-alive), so tests see exactly what the server
 * answers and that limits hold across connections. Rejects when the server drops the connection.
 */
export function call(sandbox: DiscordSandbox, method: string, path: string, body?: unknown, options: { auth?: string | null } = {}): Promise<Answer> {
  const url = new URL(`${sandbox.apiUrl}/v10${path}`);
  const auth = options.auth === undefined ? `Bot ${sandbox.token}` : options.auth;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, agent: false, headers: { ...(auth ? { Authorization: auth } : {}), ...(payload ? { 'Content-Type': 'application/json' } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A clock that only moves when the test says so (the server's `advanceClock` moves it too). */
export function frozenClock(start = Date.UTC(2026, 10, 21, 12)) {
  return () => start;
}

/** Starts a sandbox for raw HTTP tests, with a frozen clock unless told otherwise. */
export async function startForHttp(options: SandboxOptions = {}): Promise<DiscordSandbox> {
  return startDiscordSandbox({ clock: frozenClock(), ...options });
}

/** A minimal valid message body. */
export const text = (content: string, extra: Record<string, unknown> = {}) => ({ content, allowed_mentions: { parse: [] }, ...extra });
