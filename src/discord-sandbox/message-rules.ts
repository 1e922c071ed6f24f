import { validateMessage, type LimitViolation } from '../payload/validate.ts';
import { SandboxError, invalidForm } from './sandbox-error.ts';
import type { Json } from './types.ts';

/** Discord's EPHEMERAL message flag: only valid on interaction responses. */
const EPHEMERAL = 64;
/** Discord caps a message nonce at 25 characters. */
const NONCE_MAX = 25;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const blank = (v: unknown) => typeof v === 'string' && v.length > 0 && v.trim().length === 0;

/** Rules Discord applies beyond lengths: text it trims to nothing, and custom ids repeated in one message. */
function beyondLimits(b: Json): LimitViolation[] {
  const out: LimitViolation[] = [];
  list(b.embeds).forEach((e, i) => {
    if (!isObj(e)) return;
    list(e.fields).forEach((f, j) => {
      if (!isObj(f)) return;
      // Discord trims field names and values; one left empty is "required" (a zero-width space is not whitespace).
      if (blank(f.name)) out.push({ path: `embeds[${i}].fields[${j}].name`, message: 'This field is required' });
      if (blank(f.value)) out.push({ path: `embeds[${i}].fields[${j}].value`, message: 'This field is required' });
    });
  });
  const seen = new Set<string>();
  list(b.components).forEach((row, i) => {
    if (!isObj(row)) return;
    list(row.components).forEach((c, j) => {
      if (!isObj(c) || typeof c.custom_id !== 'string') return;
      if (seen.has(c.custom_id)) out.push({ path: `components[${i}].components[${j}].custom_id`, message: 'Component custom id cannot be duplicated' });
      seen.add(c.custom_id);
    });
  });
  if (typeof b.nonce === 'string' && b.nonce.length > NONCE_MAX) out.push({ path: 'nonce', message: `Must be ${NONCE_MAX} or fewer in length.` });
  return out;
}

/** Whether Discord would consider the message empty once its content is trimmed. */
export function isEmptyMessage(b: Json): boolean {
  const content = typeof b.content === 'string' ? b.content.trim() : '';
  return !content && list(b.embeds).length === 0 && list(b.components).length === 0;
}

/**
 * Checks a message body as Discord does and throws its answer: 400 / 50006 "Cannot send an empty
 * message" when nothing but whitespace is left, otherwise 400 / 50035 listing every problem.
 * `partial` is for edits (the merged body may be empty); `channelPost` for POST /channels/{id}/messages,
 * where the ephemeral flag does not exist.
 */
export function checkMessageBody(body: unknown, opts: { partial?: boolean; channelPost?: boolean } = {}): void {
  const violations = validateMessage(body);
  const b = isObj(body) ? body : {};
  violations.push(...beyondLimits(b));
  if (opts.channelPost && ((Number(b.flags) || 0) & EPHEMERAL) !== 0) {
    violations.push({ path: 'flags', message: 'Ephemeral messages can only be sent as interaction responses' });
  }
  const empty = !opts.partial && isEmptyMessage(b);
  if (empty && violations.length === 0) {
    throw new SandboxError(400, 50006, 'Cannot send an empty message', undefined, [{ path: '', message: 'Cannot send an empty message' }]);
  }
  if (violations.length > 0) throw invalidForm(violations);
}
