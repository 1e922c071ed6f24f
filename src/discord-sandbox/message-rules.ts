import { validateMessage, type LimitViolation } from '../payload/validate.ts';
import { SandboxError, invalidForm } from './sandbox-error.ts';
import type { Json } from './types.ts';

/** Discord's EPHEMERAL message flag: only valid on interaction responses. */
const EPHEMERAL = 64;
/** Discord caps a message nonce at 25 characters. */
const NONCE_MAX = 25;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * Rules Discord applies beyond what `validateMessage` checks (it already refuses whitespace-only
 * field texts and repeated custom ids): the nonce's length.
 */
function beyondLimits(b: Json): LimitViolation[] {
  const out: LimitViolation[] = [];
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
