import { DISCORD_LIMITS as L } from '../payload/limits.ts';
import type { LimitViolation } from '../payload/validate.ts';
import type { Json } from './types.ts';

/**
 * Discord's documented rules for application command JSON, checked on PUT (bulk overwrite):
 * names, descriptions, option order, choices, duplicates and sizes. Discord rejects the whole
 * request with 400 / 50035 when any command breaks one.
 */

/** Discord's name pattern for slash commands and options. */
const NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
const SUBCOMMAND = 1;
const SUBCOMMAND_GROUP = 2;
const STRING = 3;
const CHAT_INPUT = 1;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObj) : []);
const chars = (v: unknown) => [...(typeof v === 'string' ? v : String(v ?? ''))].length;

function checkName(name: unknown, path: string, out: LimitViolation[]) {
  const s = typeof name === 'string' ? name : '';
  // "Lowercase if there is a lowercase variant": toLowerCase() leaves other scripts unchanged.
  if (!NAME.test(s) || s !== s.toLowerCase()) out.push({ path: `${path}.name`, message: `Command name is invalid (1-${L.commandName} lowercase letters, digits, - or _): "${s}"` });
}

function checkDescription(description: unknown, path: string, out: LimitViolation[]) {
  const n = chars(description ?? '');
  if (typeof description !== 'string' || n < 1 || n > L.commandDescription) out.push({ path: `${path}.description`, message: `Must be between 1 and ${L.commandDescription} in length.` });
}

function checkChoices(o: Json, path: string, out: LimitViolation[]) {
  const choices = list(o.choices);
  if (Array.isArray(o.choices) && o.autocomplete === true) out.push({ path: `${path}.autocomplete`, message: 'Autocomplete cannot be set on options with choices.' });
  if (choices.length > L.commandChoices) out.push({ path: `${path}.choices`, message: `Must be ${L.commandChoices} or fewer in length.` });
  choices.forEach((c, k) => {
    const n = chars(c.name);
    if (typeof c.name !== 'string' || n < 1 || n > L.commandChoiceText) out.push({ path: `${path}.choices.${k}.name`, message: `Must be between 1 and ${L.commandChoiceText} in length.` });
    if (o.type === STRING) {
      const v = chars(c.value);
      if (typeof c.value !== 'string' || v < 1 || v > L.commandChoiceText) out.push({ path: `${path}.choices.${k}.value`, message: `Must be between 1 and ${L.commandChoiceText} in length.` });
    }
  });
}

/** One level of options: at most 25, unique names, required ones first, subcommands not mixed with values. */
function checkOptions(options: Json[], path: string, parent: 'command' | 'group' | 'subcommand', out: LimitViolation[]) {
  if (options.length > L.commandOptions) out.push({ path: `${path}.options`, message: `Must be ${L.commandOptions} or fewer in length.` });
  const names = new Set<string>();
  let optionalSeen = false;
  const nested = options.filter((o) => o.type === SUBCOMMAND || o.type === SUBCOMMAND_GROUP).length;
  if (nested > 0 && nested < options.length) out.push({ path: `${path}.options`, message: 'Subcommands and subcommand groups cannot be mixed with other option types.' });
  options.forEach((o, i) => {
    const p = `${path}.options.${i}`;
    checkName(o.name, p, out);
    checkDescription(o.description, p, out);
    const name = String(o.name ?? '');
    if (names.has(name)) out.push({ path: `${p}.name`, message: `Option name "${name}" is already used at this level.` });
    names.add(name);
    if (o.type === SUBCOMMAND || o.type === SUBCOMMAND_GROUP) {
      // command → group → subcommand is as deep as Discord nests.
      if (parent === 'subcommand' || (parent === 'group' && o.type === SUBCOMMAND_GROUP)) out.push({ path: `${p}.type`, message: 'Subcommands may only be nested one group deep.' });
      checkOptions(list(o.options), p, o.type === SUBCOMMAND ? 'subcommand' : 'group', out);
      return;
    }
    if (parent === 'group') out.push({ path: `${p}.type`, message: 'A subcommand group may only contain subcommands.' });
    if (o.required === true && optionalSeen) out.push({ path: `${p}.required`, message: 'Required options must be placed before non-required options.' });
    if (o.required !== true) optionalSeen = true;
    checkChoices(o, p, out);
  });
}

/** Characters Discord counts toward a command's 4000: names, descriptions, choice names and values, localizations. */
function commandSize(node: Json): number {
  let n = chars(node.name ?? '') + chars(node.description ?? '');
  for (const key of ['name_localizations', 'description_localizations']) {
    if (isObj(node[key])) for (const v of Object.values(node[key] as Json)) n += chars(v ?? '');
  }
  for (const c of list(node.choices)) {
    n += chars(c.name) + chars(c.value);
    if (isObj(c.name_localizations)) for (const v of Object.values(c.name_localizations)) n += chars(v ?? '');
  }
  for (const o of list(node.options)) n += commandSize(o);
  return n;
}

/**
 * `integration_types` (0 server install, 1 user install) and `contexts` (0 server, 1 bot DM, 2 other DMs):
 * absent or null means Discord's default; otherwise an array of known values, each at most once.
 */
function checkInstallScope(c: Json, path: string, out: LimitViolation[]) {
  for (const [key, allowed] of [
    ['integration_types', [0, 1]],
    ['contexts', [0, 1, 2]],
  ] as const) {
    const value = c[key];
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value)) {
      out.push({ path: `${path}.${key}`, message: 'Must be an array.' });
      continue;
    }
    value.forEach((v: unknown, k) => {
      if (!(allowed as readonly unknown[]).includes(v)) out.push({ path: `${path}.${key}.${k}`, message: `Value must be one of {${allowed.join(', ')}}.` });
    });
    if (new Set(value).size !== value.length) out.push({ path: `${path}.${key}`, message: 'Values must be unique.' });
  }
}

/** Every rule one command breaks; `path` is its index in the request. */
export function validateCommand(c: Json, path: string): LimitViolation[] {
  const out: LimitViolation[] = [];
  checkInstallScope(c, path, out);
  const type = c.type ?? CHAT_INPUT;
  if (type === CHAT_INPUT) {
    checkName(c.name, path, out);
    checkDescription(c.description, path, out);
    checkOptions(list(c.options), path, 'command', out);
  } else {
    // User and message commands: any case and spaces, and no description.
    const n = chars(c.name ?? '');
    if (typeof c.name !== 'string' || n < 1 || n > L.commandName) out.push({ path: `${path}.name`, message: `Must be between 1 and ${L.commandName} in length.` });
    if (c.description) out.push({ path: `${path}.description`, message: 'Context menu commands cannot have a description.' });
  }
  const size = commandSize(c);
  if (size > L.commandTotal) out.push({ path, message: `Command exceeds maximum size (${L.commandTotal}); got ${size}.` });
  return out;
}

/** Rules for a whole bulk overwrite: an array, ≤ 100 slash commands, names unique per command type. */
export function validateCommandList(body: unknown): LimitViolation[] {
  if (!Array.isArray(body)) return [{ path: '', message: 'Expected an array of commands.' }];
  const commands = body as unknown[];
  const out: LimitViolation[] = [];
  const slash = commands.filter((c) => isObj(c) && (c.type ?? CHAT_INPUT) === CHAT_INPUT).length;
  if (slash > L.commandsPerScope) out.push({ path: '', message: `Must be ${L.commandsPerScope} or fewer in length.` });
  const seen = new Set<string>();
  commands.forEach((c, i) => {
    if (!isObj(c)) {
      out.push({ path: `${i}`, message: 'Expected an object.' });
      return;
    }
    const key = `${String(c.type ?? CHAT_INPUT)}:${String(c.name)}`;
    if (seen.has(key)) out.push({ path: `${i}.name`, message: `Application command names must be unique: "${String(c.name)}".` });
    seen.add(key);
    out.push(...validateCommand(c, `${i}`));
  });
  return out;
}
