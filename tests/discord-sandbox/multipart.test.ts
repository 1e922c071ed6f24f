import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_EVERYONE, THREAD_AND_FILE_PERMISSIONS } from '../../src/discord-sandbox/permissions.ts';
import type { DiscordSandbox } from '../../src/discord-sandbox/server.ts';
import { DISCORD_LIMITS } from '../../src/payload/limits.ts';
import { startForHttp } from './sandbox-http.ts';

let sandbox: DiscordSandbox;
let channelId: string;

beforeEach(async () => {
  sandbox = await startForHttp({ rateLimits: false });
  sandbox.setEveryonePermissions(sandbox.guilds[0]!.id, DEFAULT_EVERYONE | THREAD_AND_FILE_PERMISSIONS);
  channelId = sandbox.channel('digest').id;
});
afterEach(async () => {
  await sandbox.close();
});

/** A 3×2 PNG's first bytes: the signature and the IHDR chunk are all the server reads. */
function png(width = 3, height = 2, padding = 0): Buffer {
  const head = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const size = Buffer.alloc(8);
  size.writeUInt32BE(width, 0);
  size.writeUInt32BE(height, 4);
  return Buffer.concat([head, size, Buffer.alloc(padding)]);
}

type Part = { name: string; filename?: string; type?: string; data: Buffer | string };

/** Posts a multipart body, built by hand so a test controls every byte. */
function postMultipart(parts: Part[], boundary = 'sandbox-boundary-42'): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- Discord JSON
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\nContent-Type: ${p.type ?? 'application/octet-stream'}\r\n\r\n`), Buffer.from(p.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  const body = Buffer.concat(chunks);
  return new Promise((resolve, reject) => {
    const req = request(
      `${sandbox.apiUrl}/v10/channels/${channelId}/messages`,
      { method: 'POST', agent: false, headers: { Authorization: `Bot ${sandbox.token}`, 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': String(body.length) } },
      (res) => {
        const out: Buffer[] = [];
        res.on('data', (c: Buffer) => out.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(out).toString('utf8') || 'null') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const payload = (extra: Record<string, unknown> = {}): Part => ({
  name: 'payload_json',
  type: 'application/json',
  data: JSON.stringify({ content: 'chart', allowed_mentions: { parse: [] }, attachments: [{ id: 0, filename: 'mood.png', description: 'the mood' }], ...extra }),
});

describe('multipart uploads, as Discord takes files', () => {
  it('GIVEN payload_json and files[0] named by attachments THEN the message has the attachment with its size, type and PNG dimensions, and its bytes are served back', async () => {
    const r = await postMultipart([payload(), { name: 'files[0]', filename: 'mood.png', type: 'image/png', data: png(640, 240, 100) }]);
    expect(r.status).toBe(200);
    expect(r.json.attachments).toEqual([expect.objectContaining({ filename: 'mood.png', description: 'the mood', content_type: 'image/png', size: 124, width: 640, height: 240 })]);
    const served = await fetch(new URL(r.json.attachments[0].url, sandbox.apiUrl));
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(png(640, 240, 100))).toBe(true);
  });

  it('GIVEN an attachments entry with no file, or a file no entry names THEN 400 / 50035 and nothing is posted', async () => {
    const missing = await postMultipart([payload({ attachments: [{ id: 1, filename: 'mood.png' }] }), { name: 'files[0]', filename: 'mood.png', type: 'image/png', data: png() }]);
    expect([missing.status, missing.json.code]).toEqual([400, 50035]);
    expect(Object.keys(missing.json.errors).sort()).toEqual(['attachments', 'files']);
    const noFile = await postMultipart([payload()]);
    expect([noFile.status, noFile.json.code]).toEqual([400, 50035]);
    expect(sandbox.messages(channelId)).toEqual([]);
  });

  it('GIVEN an unknown form field, a file without a filename, a repeated part or JSON that does not parse THEN 400, nothing posted', async () => {
    expect((await postMultipart([payload(), { name: 'file', filename: 'x.png', data: png() }])).json.code).toBe(50035);
    expect((await postMultipart([payload(), { name: 'files[0]', data: png() }])).json.code).toBe(50035);
    expect((await postMultipart([payload(), payload()])).json.code).toBe(50109);
    expect((await postMultipart([{ name: 'payload_json', data: '{"content":' }])).json.code).toBe(50109);
    expect(sandbox.messages(channelId)).toEqual([]);
  });

  it('GIVEN files over the upload limit THEN 413 / 40005; GIVEN 11 files THEN 400', async () => {
    const big = await postMultipart([payload(), { name: 'files[0]', filename: 'mood.png', type: 'image/png', data: Buffer.alloc(DISCORD_LIMITS.uploadBytes + 1) }]);
    expect([big.status, big.json.code]).toEqual([413, 40005]);
    const eleven = Array.from({ length: 11 }, (_, i): Part => ({ name: `files[${i}]`, filename: `f${i}.png`, type: 'image/png', data: png() }));
    const many = await postMultipart([payload({ attachments: eleven.map((_, i) => ({ id: i, filename: `f${i}.png` })) }), ...eleven]);
    expect(many.status).toBe(400);
    expect(sandbox.messages(channelId)).toEqual([]);
  });

  it('GIVEN no Attach Files permission THEN 403 / 50013', async () => {
    sandbox.setEveryonePermissions(sandbox.guilds[0]!.id, DEFAULT_EVERYONE);
    const r = await postMultipart([payload(), { name: 'files[0]', filename: 'mood.png', type: 'image/png', data: png() }]);
    expect([r.status, r.json.code]).toEqual([403, 50013]);
  });
});
