import { DISCORD_LIMITS as L } from '../payload/limits.ts';
import { SandboxError, invalidForm } from './sandbox-error.ts';
import type { Json } from './types.ts';

/** One uploaded file of a multipart request. */
export interface UploadedFile {
  /** The `n` of its `files[n]` part: the `attachments` id it fills. */
  index: number;
  filename: string;
  contentType: string;
  data: Buffer;
}

/** A multipart request's JSON (`payload_json`) and its files. */
export interface MultipartBody {
  json: Json | undefined;
  files: UploadedFile[];
}

/** 413 / 40005, as Discord answers an upload over the limit. */
export const tooLarge = () => new SandboxError(413, 40005, 'Request entity too large');
/** 400 / 50109, Discord's answer to a body it cannot parse. */
const badBody = (why: string) => new SandboxError(400, 50109, `The request body contains invalid JSON. (${why})`);

/** The boundary of a `multipart/form-data` Content-Type, or null. */
export function boundaryOf(contentType: string): string | null {
  const m = /^multipart\/form-data\s*;.*?boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

/**
 * Parses a `multipart/form-data` body the way Discord reads an upload: the JSON goes in a part named
 * `payload_json`, files in parts named `files[n]` (each with a filename). Anything else, a part without
 * a name, a file without a filename, a repeated name or a malformed body is refused; so are more
 * than 10 files or more than 10 MiB of them (413).
 */
export function parseMultipart(raw: Buffer, boundary: string): MultipartBody {
  const delimiter = Buffer.from(`--${boundary}`);
  const out: MultipartBody = { json: undefined, files: [] };
  const names = new Set<string>();
  let pos = raw.indexOf(delimiter);
  if (pos !== 0 && pos !== -1 && raw.subarray(0, pos).toString('latin1').trim() !== '') throw badBody('text before the first boundary');
  if (pos === -1) throw badBody('no boundary');
  let bytes = 0;
  for (;;) {
    pos += delimiter.length;
    const after = raw.subarray(pos, pos + 2).toString('latin1');
    if (after === '--') break;
    if (after !== '\r\n') throw badBody('malformed boundary line');
    pos += 2;
    const headerEnd = raw.indexOf('\r\n\r\n', pos);
    if (headerEnd === -1) throw badBody('part without headers');
    const headers = raw.subarray(pos, headerEnd).toString('utf8').split('\r\n');
    const next = raw.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next === -1) throw badBody('part not closed by a boundary');
    const data = raw.subarray(headerEnd + 4, next);
    pos = next + 2;
    const disposition = headers.find((h) => /^content-disposition:/i.test(h)) ?? '';
    const name = /;\s*name="([^"]*)"/i.exec(disposition)?.[1];
    const filename = /;\s*filename="([^"]*)"/i.exec(disposition)?.[1];
    const type = headers.find((h) => /^content-type:/i.test(h))?.replace(/^content-type:\s*/i, '') ?? 'application/octet-stream';
    if (!/^content-disposition:\s*form-data/i.test(disposition) || !name) throw badBody('a part without a form-data name');
    if (names.has(name)) throw badBody(`the part ${name} appears twice`);
    names.add(name);
    if (name === 'payload_json') {
      try {
        const parsed = JSON.parse(data.toString('utf8')) as unknown;
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        out.json = parsed as Json;
      } catch {
        throw badBody('payload_json is not a JSON object');
      }
      continue;
    }
    const m = /^files\[(\d{1,2})\]$/.exec(name);
    if (!m) throw invalidForm([{ path: name, message: 'Unknown form field: only payload_json and files[n] are accepted.' }]);
    if (!filename) throw invalidForm([{ path: name, message: 'A file part must have a filename.' }]);
    bytes += data.length;
    if (bytes > L.uploadBytes) throw tooLarge();
    out.files.push({ index: Number(m[1]), filename, contentType: type, data: Buffer.from(data) });
  }
  if (out.files.length > L.attachmentsPerMessage) throw invalidForm([{ path: 'files', message: `Must be ${L.attachmentsPerMessage} or fewer in length (got ${out.files.length}).` }]);
  return out;
}

/**
 * Checks the message's `attachments` against the uploaded files, as Discord does: each entry names an
 * uploaded `files[id]`, and each uploaded file is named by one entry.
 */
export function checkAttachments(body: Json, files: UploadedFile[]): void {
  const entries = Array.isArray(body.attachments) ? (body.attachments as Json[]) : [];
  const problems: Array<{ path: string; message: string }> = [];
  const named = new Set<number>();
  entries.forEach((a, i) => {
    const id = Number(a?.id);
    if (!Number.isInteger(id) || !files.some((f) => f.index === id)) problems.push({ path: `attachments[${i}].id`, message: `Unknown attachment: no file was uploaded as files[${String(a?.id)}].` });
    else named.add(id);
  });
  for (const f of files) if (!named.has(f.index)) problems.push({ path: `files[${f.index}]`, message: 'Uploaded file is not listed in attachments.' });
  if (problems.length > 0) throw invalidForm(problems);
}

/** Width and height of a PNG from its IHDR chunk; null when the bytes are not a PNG. */
export function pngSize(data: Buffer): { width: number; height: number } | null {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (data.length < 24 || !data.subarray(0, 8).equals(signature) || data.toString('latin1', 12, 16) !== 'IHDR') return null;
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}
