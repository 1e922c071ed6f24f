import type { LimitViolation } from '../payload/validate.ts';
import type { Json } from './types.ts';

/** A refusal the server answers with Discord's status, code and message (and `errors` for 50035). */
export class SandboxError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: Json,
    readonly violations: LimitViolation[] = [],
  ) {
    super(message);
  }
}

/**
 * Discord's 400 / 50035 "Invalid Form Body": `errors` nests by path (`embeds.0.fields.1.value`)
 * down to `{ _errors: [{ code, message }] }`, which is what discord.js prints.
 */
export function invalidForm(violations: LimitViolation[], code = 'BASE_TYPE_BAD_LENGTH'): SandboxError {
  const errors: Json = {};
  for (const v of violations) {
    const keys = v.path ? v.path.replace(/\[(\d+)\]/g, '.$1').split('.') : [];
    let node = errors;
    for (const k of keys) node = (node[k] ??= {}) as Json;
    const list = ((node._errors ??= []) as Json[]);
    list.push({ code, message: v.message });
  }
  return new SandboxError(400, 50035, 'Invalid Form Body', errors, violations);
}

/** 50001: the bot cannot see the channel or guild. */
export const missingAccess = () => new SandboxError(403, 50001, 'Missing Access');
/** 50013: the bot sees it but lacks a permission the request needs. */
export const missingPermissions = () => new SandboxError(403, 50013, 'Missing Permissions');
/** 10003: no such channel (or it was deleted). */
export const unknownChannel = () => new SandboxError(404, 10003, 'Unknown Channel');
