import type { IncomingMessage, ServerResponse } from 'node:http';

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

/** Reads a JSON body; discord.js sends multipart only with files, the JSON part named payload_json. Throws on bad JSON. */
export async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (chunks.length === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  const type = req.headers['content-type'] ?? '';
  if (type.includes('multipart/form-data')) {
    const m = /name="payload_json"\r?\n(?:Content-Type: application\/json\r?\n)?\r?\n([\s\S]*?)\r?\n--/.exec(text);
    return m ? JSON.parse(m[1]!) : undefined;
  }
  return text ? JSON.parse(text) : undefined;
}
