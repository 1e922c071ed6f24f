import type { IncomingMessage, ServerResponse } from 'node:http';
import { DISCORD_LIMITS } from '../payload/limits.ts';
import { boundaryOf, parseMultipart, tooLarge, type UploadedFile } from './multipart.ts';
import { SandboxError } from './sandbox-error.ts';

/** Writes a JSON answer (or an empty one for 204), with any extra headers. */
export function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  if (status === 204 || body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** A request body: its JSON, and the files of a multipart upload. */
export interface RequestBody {
  json: unknown;
  files: UploadedFile[];
}

/**
 * Reads a body: JSON, or `multipart/form-data` (discord.js sends it only with files: the JSON in a
 * part named payload_json, the files as files[n]), parsed strictly. A body over the upload limit is
 * refused with 413 as soon as it is; throws `SandboxError` for a malformed body.
 */
export async function readBody(req: IncomingMessage): Promise<RequestBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Room for the JSON part and the multipart framing beside the files themselves.
  const cap = DISCORD_LIMITS.uploadBytes + 1024 * 1024;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > cap) throw tooLarge();
    chunks.push(c as Buffer);
  }
  if (chunks.length === 0) return { json: undefined, files: [] };
  const raw = Buffer.concat(chunks);
  const type = req.headers['content-type'] ?? '';
  if (/^multipart\//i.test(type)) {
    const boundary = boundaryOf(type);
    if (!boundary) throw new SandboxError(400, 50109, 'The request body contains invalid JSON. (no multipart boundary)');
    const { json, files } = parseMultipart(raw, boundary);
    return { json, files };
  }
  const text = raw.toString('utf8');
  try {
    return { json: text ? JSON.parse(text) : undefined, files: [] };
  } catch {
    throw new SandboxError(400, 50109, 'The request body contains invalid JSON.');
  }
}
