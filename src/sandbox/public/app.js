// @ts-check
// The sandbox page: a Discord-like channel view driven by the loopback Discord server's API.
// Messages arrive over server-sent events; commands, autocomplete and clicks are sent as real
// interactions, so what you see is what the bot does on Discord.
import { escapeHtml, renderInline, renderMarkdown } from './discord-markdown.js';

// What the page receives from src/sandbox/web.ts (`/api/state` and the event stream): Discord's own
// JSON for users, commands, embeds and components, plus the sandbox's view of each message.
/** @typedef {{ id: string, username: string, global_name?: string }} User */
/** @typedef {{ id: string, name: string }} Channel */
/** @typedef {{ name: string, value: string | number }} Choice */
/**
 * @typedef {{ type: number, name: string, description: string, required?: boolean, autocomplete?: boolean,
 *   choices?: Choice[], options?: CommandOption[] }} CommandOption
 */
/** @typedef {{ name: string, description: string, options?: CommandOption[] }} Command */
/** @typedef {{ path: string, message: string }} Violation */
/**
 * @typedef {{ title?: string, url?: string, description?: string, color?: number, timestamp?: string,
 *   author?: { name?: string }, footer?: { text?: string }, image?: { url?: string }, thumbnail?: { url?: string },
 *   fields?: { name: string, value: string, inline?: boolean }[] }} Embed
 */
/**
 * @typedef {{ type: number, style?: number, custom_id?: string, url?: string, label?: string, disabled?: boolean,
 *   emoji?: { name?: string }, placeholder?: string, options?: { value: string, label: string, default?: boolean }[] }} Component
 */
/** @typedef {{ components?: Component[] }} ActionRow */
/**
 * @typedef {{ id: string, channelId: string, content: string, embeds: Embed[], components: ActionRow[], timestamp: string,
 *   edited: boolean, ephemeral: boolean, forUser: string | null, commandName: string | null, body: unknown,
 *   violations: Violation[], dismissed?: boolean, attachments?: Attachment[], thread?: { id: string, name: string } | null }} Message
 */
/** @typedef {{ path: string, body: unknown, status: number, code: number, message: string, violations: Violation[] }} Rejection */
/**
 * @typedef {{ id: string, filename: string, description: string | null, contentType: string, size: number,
 *   width: number | null, height: number | null, url: string }} Attachment
 */
/** @typedef {Rejection & { n: number }} ShownRejection */
/** @typedef {{ name: string, sub: string | null, description: string, options: CommandOption[] }} CommandEntry */

/**
 * The page's fixed elements (index.html), by id: a missing one is a broken page, not a case to handle.
 * @template {HTMLElement} [T=HTMLElement]
 * @param {string} sel
 * @returns {T}
 */
const $ = (sel) => /** @type {T} */ (document.querySelector(sel));
/**
 * `visibleCommands[user][channelId]`: the command names Discord's picker offers that user there.
 * @type {{ guild: { id: string, name: string } | null, channels: Channel[], users: Record<string, User>, bot: User | null,
 *   commands: Command[], visibleCommands: Record<string, Record<string, string[]>>, messages: Record<string, Message[]>,
 *   rejected: Record<string, ShownRejection[]>, channelId: string | null, selected: string | null, unread: Record<string, number> }}
 */
const state = { guild: null, channels: [], users: {}, bot: null, commands: [], visibleCommands: {}, messages: {}, rejected: {}, channelId: null, selected: null, unread: {} };

const user = () => /** @type {HTMLInputElement} */ (document.querySelector('input[name=user]:checked')).value;
/**
 * The element an event happened on, or its nearest ancestor, matching `sel`.
 * @template {HTMLElement} [T=HTMLElement]
 * @param {Event} e
 * @param {string} sel
 * @returns {T | null}
 */
const closest = (e, sel) => /** @type {Element} */ (e.target).closest(sel);
const userId = () => state.users[user()]?.id;
/** @type {{ channelName: (id: string) => string | undefined, userName: (id: string) => string | undefined }} */
const ctx = {
  channelName: (id) => state.channels.find((c) => c.id === id)?.name,
  userName: (id) => Object.values(state.users).find((u) => u.id === id)?.global_name,
};

/**
 * Calls the sandbox page's JSON API: a GET without a body, a POST with one.
 * @template T
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<T>}
 */
async function api(path, body) {
  return (await request(path, body)).body;
}

/**
 * Calls the API and keeps whether it succeeded, for the calls whose refusal the page explains.
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<{ ok: boolean, body: any }>}
 */
async function request(path, body) {
  const res = await fetch(path, body === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { ok: res.ok, body: await res.json() };
}

/**
 * Shows a line under the composer; `error` marks it as a refusal rather than a hint.
 * @param {string} text
 * @param {boolean} [error]
 */
function hint(text, error = false) {
  const el = $('#hint');
  el.textContent = text;
  el.classList.toggle('error', error);
}

// ---- rendering --------------------------------------------------------------------------------
/** @param {number | undefined} n */
const hex = (n) => `#${(n ?? 0x1e1f22).toString(16).padStart(6, '0')}`;
/** @param {string} iso */
const time = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** @param {Embed} e */
function renderEmbed(e) {
  const parts = [];
  if (e.author?.name) parts.push(`<div class="embed-author">${escapeHtml(e.author.name)}</div>`);
  if (e.title) {
    const title = renderInline(e.title, ctx);
    parts.push(`<div class="embed-title">${e.url && /^https?:/i.test(e.url) ? `<a href="${escapeHtml(e.url)}" target="_blank" rel="noopener noreferrer">${title}</a>` : title}</div>`);
  }
  if (e.description) parts.push(`<div class="embed-description">${renderMarkdown(e.description, ctx)}</div>`);
  if (e.fields?.length) {
    parts.push(
      `<div class="embed-fields">${e.fields
        .map((f) => `<div class="embed-field${f.inline ? ' inline' : ''}"><div class="embed-field-name">${renderInline(f.name, ctx)}</div><div class="embed-field-value">${renderMarkdown(f.value, ctx)}</div></div>`)
        .join('')}</div>`,
    );
  }
  if (e.image?.url) parts.push(`<img class="embed-image" alt="" src="${escapeHtml(e.image.url)}" loading="lazy" referrerpolicy="no-referrer" onerror="this.remove()">`);
  const footer = [e.footer?.text && escapeHtml(e.footer.text), e.timestamp && new Date(e.timestamp).toLocaleString()].filter(Boolean).join(' • ');
  if (footer) parts.push(`<div class="embed-footer">${footer}</div>`);
  const thumb = e.thumbnail?.url ? `<img class="embed-thumb" alt="" src="${escapeHtml(e.thumbnail.url)}" loading="lazy" referrerpolicy="no-referrer" onerror="this.remove()">` : '';
  return `<div class="embed" style="border-left-color:${hex(e.color)}"><div class="embed-main">${parts.join('')}</div>${thumb}</div>`;
}

/** @param {Message} m */
function renderComponents(m) {
  if (!m.components?.length) return '';
  const rows = m.components.map((row) => {
    const items = (row.components ?? []).map((c) => {
      if (c.type === 2) {
        const attrs = `data-message="${m.id}" data-custom-id="${escapeHtml(c.custom_id ?? '')}"${c.disabled ? ' disabled' : ''}`;
        if (c.style === 5) return `<a class="component-button style-5" href="${escapeHtml(c.url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(c.label ?? '')} ↗</a>`;
        return `<button class="component-button style-${c.style}" type="button" ${attrs}>${escapeHtml(c.emoji?.name ?? '')}${escapeHtml(c.label ?? '')}</button>`;
      }
      if (c.type === 3) {
        const options = (c.options ?? []).map((o) => `<option value="${escapeHtml(o.value)}"${o.default ? ' selected' : ''}>${escapeHtml(o.label)}</option>`).join('');
        return `<select class="component-select" data-message="${m.id}" data-custom-id="${escapeHtml(c.custom_id)}"${c.disabled ? ' disabled' : ''}><option value="" disabled selected>${escapeHtml(c.placeholder ?? 'Make a selection')}</option>${options}</select>`;
      }
      return '';
    });
    return `<div class="action-row">${items.join('')}</div>`;
  });
  return `<div class="components">${rows.join('')}</div>`;
}

/**
 * @param {Message} m
 * @returns {string}
 */
function renderMessage(m) {
  const used = m.commandName ? `<div class="used-command">${escapeHtml(Object.values(state.users).find((u) => u.id === m.forUser)?.global_name ?? 'Someone')} used <b>/${escapeHtml(m.commandName)}</b></div>` : '';
  const deferred = !m.content && !m.embeds.length && !m.components.length ? `<div class="content"><em>${escapeHtml(state.bot?.global_name ?? 'Bot')} is thinking…</em></div>` : '';
  const note = m.ephemeral ? `<div class="ephemeral-note">👁 Only you can see this · <a data-dismiss="${m.id}">Dismiss message</a></div>` : '';
  return `<div class="message${m.ephemeral ? ' ephemeral' : ''}${state.selected === m.id ? ' selected' : ''}" data-id="${m.id}">
    <div class="avatar">${escapeHtml((state.bot?.global_name ?? 'B')[0])}</div>
    <div class="body">${used}
      <div class="meta"><span class="author">${escapeHtml(state.bot?.global_name ?? 'Bot')}</span><span class="app-tag">APP</span><span class="time">${time(m.timestamp)}${m.edited ? ' (edited)' : ''}</span></div>
      ${m.content ? `<div class="content">${renderMarkdown(m.content, ctx)}</div>` : deferred}
      ${m.embeds.map(renderEmbed).join('')}
      ${renderAttachments(m)}
      ${renderComponents(m)}
      ${renderThread(m)}
      ${note}
    </div></div>`;
}

/**
 * Files uploaded with a message: images shown inline at their size (capped), others as a link.
 * @param {Message} m
 */
function renderAttachments(m) {
  if (!m.attachments?.length) return '';
  return `<div class="attachments">${m.attachments
    .map((a) =>
      a.contentType.startsWith('image/')
        ? `<img class="attachment-image" src="${escapeHtml(a.url)}" alt="${escapeHtml(a.description ?? a.filename)}"${a.width && a.height ? ` width="${a.width}" height="${a.height}"` : ''} data-filename="${escapeHtml(a.filename)}">`
        : `<a class="attachment-file" href="${escapeHtml(a.url)}" download="${escapeHtml(a.filename)}">📎 ${escapeHtml(a.filename)}</a>`,
    )
    .join('')}</div>`;
}

/**
 * The thread started from a message, as Discord shows it under the message, opened: its name, then its messages.
 * @param {Message} m
 * @returns {string}
 */
function renderThread(m) {
  if (!m.thread) return '';
  const messages = (state.messages[m.thread.id] ?? []).filter((x) => visible(x) && !x.dismissed);
  return `<div class="thread" data-thread="${m.thread.id}">
    <div class="thread-head">🧵 <b>${escapeHtml(m.thread.name)}</b> <span class="thread-count">${messages.length} message${messages.length === 1 ? '' : 's'}</span></div>
    <div class="thread-messages">${messages.map(renderMessage).join('')}</div>
  </div>`;
}

/** @param {Message} m */
function visible(m) {
  return !m.ephemeral || m.forUser === userId();
}

function render() {
  const list = (state.messages[state.channelId ?? ''] ?? []).filter((m) => visible(m) && !m.dismissed);
  const rejected = (state.rejected[state.channelId ?? ''] ?? []).map(
    (r) => `<div class="rejected" data-rejected="${r.n}"><b>Discord would reject this message</b> (HTTP ${r.status}, code ${r.code}: ${escapeHtml(r.message)})<br>${r.violations.map((v) => `${escapeHtml(v.path)}: ${escapeHtml(v.message)}`).join('<br>')}</div>`,
  );
  const box = $('#messages');
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  box.innerHTML = list.map(renderMessage).join('') + rejected.join('');
  if (atBottom) box.scrollTop = box.scrollHeight;
  $('#channels').innerHTML = state.channels
    .map((c) => `<li class="channel${c.id === state.channelId ? ' active' : ''}" data-channel="${c.id}" data-name="${escapeHtml(c.name)}"># ${escapeHtml(c.name)}${state.unread[c.id] ? `<span class="unread">${state.unread[c.id]}</span>` : ''}</li>`)
    .join('');
  $('#channel-name').textContent = state.channels.find((c) => c.id === state.channelId)?.name ?? '';
}

/** @param {Message} m */
function inspect(m) {
  state.selected = m.id;
  $('#inspector-json').textContent = JSON.stringify(m.body, null, 2);
  const s = $('#inspector-status');
  s.className = `inspector-status ${m.violations.length ? 'error' : 'ok'}`;
  s.textContent = m.violations.length ? `✗ Over Discord's limits: ${m.violations.map((v) => `${v.path}: ${v.message}`).join('; ')}` : '✓ Within every Discord limit';
}

/** @param {Rejection} r */
function inspectRejected(r) {
  $('#inspector-json').textContent = JSON.stringify(r.body, null, 2);
  const s = $('#inspector-status');
  s.className = 'inspector-status error';
  s.textContent = `✗ Rejected by the server: ${r.message} — ${r.violations.map((v) => `${v.path}: ${v.message}`).join('; ')}`;
}

// ---- commands -----------------------------------------------------------------------------------
/**
 * Whether Discord's picker would offer the command to the selected user in this channel.
 * @param {string} name
 */
function offered(name) {
  return state.visibleCommands[user()]?.[state.channelId ?? '']?.includes(name) ?? false;
}

/**
 * Every registered command and subcommand; `onlyOffered` keeps those the selected user may use here.
 * @param {boolean} [onlyOffered]
 */
function commandEntries(onlyOffered = false) {
  /** @type {CommandEntry[]} */
  const out = [];
  for (const c of state.commands) {
    if (onlyOffered && !offered(c.name)) continue;
    const subs = (c.options ?? []).filter((o) => o.type === 1);
    if (subs.length === 0) out.push({ name: c.name, sub: null, description: c.description, options: c.options ?? [] });
    for (const s of subs) out.push({ name: c.name, sub: s.name, description: s.description, options: s.options ?? [] });
  }
  return out;
}

/**
 * Parses `/news search query:musk topic:AI` against the registered commands.
 * @param {string} text
 */
function parseInput(text) {
  const m = /^\/(\S+)(?:\s+(\S+))?/.exec(text);
  if (!m) return null;
  const entry = commandEntries().find((e) => e.name === m[1] && (e.sub === null || e.sub === m[2]));
  if (!entry) return null;
  const rest = entry.sub ? text.slice(m[0].length) : text.slice(m[1].length + 1);
  /** @type {Record<string, string>} */
  const options = {};
  const names = entry.options.map((o) => o.name);
  const re = new RegExp(`(?:^|\\s)(${names.map((n) => n.replace(/[-]/g, '\\-')).join('|')}):`, 'g');
  const marks = [...rest.matchAll(re)].map((x) => ({ name: x[1], start: x.index + x[0].length, at: x.index }));
  marks.forEach((mk, i) => (options[mk.name] = rest.slice(mk.start, i + 1 < marks.length ? marks[i + 1].at : undefined).trim()));
  const last = marks.at(-1);
  return { entry, options, focused: last && text.endsWith(rest.slice(last.start)) ? last.name : null };
}

/**
 * Converts the typed option texts to the JSON types the command declares.
 * @param {CommandEntry} entry
 * @param {Record<string, string>} options
 */
function typed(entry, options) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const [k, v] of Object.entries(options)) {
    const def = entry.options.find((o) => o.name === k);
    if (!def) continue;
    if (def.type === 4 || def.type === 10) out[k] = Number(v);
    else if (def.type === 5) out[k] = v === 'true';
    else if (def.type === 7) out[k] = state.channels.find((c) => `#${c.name}` === v || c.name === v || c.id === v)?.id ?? v;
    else out[k] = v;
  }
  return out;
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let acTimer;
let acSeq = 0;
function updatePopups() {
  const text = /** @type {HTMLInputElement} */ ($('#composer')).value;
  const picker = $('#picker');
  const sugg = $('#suggestions');
  const parsed = parseInput(text);
  if (text.startsWith('/') && !parsed) {
    const q = text.slice(1).toLowerCase().replace(/\s+/g, ' ');
    // Like Discord, the picker lists only what this user may run here; a hidden command typed anyway is refused on send.
    const items = commandEntries(true).filter((e) => `${e.name} ${e.sub ?? ''}`.startsWith(q) || e.name.startsWith(q.split(' ')[0]) && !q.includes(' '));
    picker.innerHTML = `<div class="popup-title">Commands</div>${items
      .map((e) => `<div class="picker-item" data-fill="/${e.name}${e.sub ? ` ${e.sub}` : ''} "><b>/${e.name}${e.sub ? ` ${e.sub}` : ''}</b><small>${escapeHtml(e.description)}</small></div>`)
      .join('')}`;
    picker.hidden = items.length === 0;
    sugg.hidden = true;
    hint('');
    return;
  }
  picker.hidden = true;
  if (!parsed) {
    sugg.hidden = true;
    hint('');
    return;
  }
  const { entry, options, focused } = parsed;
  if (!offered(entry.name)) {
    sugg.hidden = true;
    hint(`/${entry.name} is not available to you here: Discord hides it from members without the permission it needs.`, true);
    return;
  }
  hint(entry.options.map((o) => `${o.required ? '' : '['}${o.name}:${o.required ? '' : ']'}`).join(' ') || 'Press Enter to send');
  const def = entry.options.find((o) => o.name === focused);
  if (def?.autocomplete) {
    clearTimeout(acTimer);
    const seq = ++acSeq;
    acTimer = setTimeout(async () => {
      /** @type {{ choices?: Choice[] }} */
      const { choices = [] } = await api('/api/autocomplete', { name: entry.name, subcommand: entry.sub, focused, options: typed(entry, options), channelId: state.channelId, user: user() });
      if (seq !== acSeq) return;
      sugg.innerHTML = `<div class="popup-title">${escapeHtml(focused)}</div>${choices
        .map((c) => `<div class="suggestion" data-option="${escapeHtml(focused)}" data-value="${escapeHtml(String(c.value))}">${escapeHtml(c.name)}</div>`)
        .join('')}`;
      sugg.hidden = choices.length === 0;
    }, 120);
  } else if (def?.choices) {
    sugg.innerHTML = `<div class="popup-title">${escapeHtml(focused)}</div>${def.choices.map((c) => `<div class="suggestion" data-option="${escapeHtml(focused)}" data-value="${escapeHtml(String(c.value))}">${escapeHtml(c.name)}</div>`).join('')}`;
    sugg.hidden = false;
  } else {
    sugg.hidden = true;
  }
}

/**
 * @param {string} option
 * @param {string} value
 */
function pickSuggestion(option, value) {
  /** @type {HTMLInputElement} */
  const input = $('#composer');
  const idx = input.value.lastIndexOf(`${option}:`);
  input.value = `${input.value.slice(0, idx)}${option}:${value} `;
  // A value was chosen: drop any suggestion request still in flight instead of reopening the list.
  acSeq++;
  $('#suggestions').hidden = true;
  input.focus();
}

async function send() {
  /** @type {HTMLInputElement} */
  const input = $('#composer');
  const parsed = parseInput(input.value.trim());
  if (!parsed) {
    hint('Type / and pick a command: this sandbox channel only accepts slash commands.');
    return;
  }
  input.value = '';
  acSeq++;
  clearTimeout(acTimer);
  $('#picker').hidden = true;
  $('#suggestions').hidden = true;
  const { entry, options } = parsed;
  const r = await request('/api/command', { name: entry.name, subcommand: entry.sub, options: typed(entry, options), channelId: state.channelId, user: user() });
  // Discord would not even send a hidden command: say so where it was typed, as nothing will appear in the channel.
  if (!r.ok) hint(r.body?.hidden ? `/${entry.name} is not available to you here. ${r.body.error}` : `Not sent: ${r.body?.error ?? 'the sandbox refused it'}`, true);
}

// ---- events --------------------------------------------------------------------------------------
/** @param {{ kind: string, message: Message }} event */
function onMessage({ kind, message }) {
  const list = (state.messages[message.channelId] ??= []);
  const i = list.findIndex((m) => m.id === message.id);
  if (kind === 'delete') list.splice(i, 1);
  else if (i >= 0) list[i] = { ...message, dismissed: list[i].dismissed };
  else {
    list.push(message);
    if (message.channelId !== state.channelId && visible(message)) state.unread[message.channelId] = (state.unread[message.channelId] ?? 0) + 1;
  }
  if (state.selected === message.id) inspect(message);
  render();
}

let rejectedN = 0;
/** @param {Rejection} r */
function onRejected(r) {
  const m = /\/channels\/(\d+)\//.exec(r.path);
  const channelId = m?.[1] ?? state.channelId ?? '';
  (state.rejected[channelId] ??= []).push({ ...r, n: ++rejectedN });
  render();
}

async function load() {
  /**
   * @type {{ guild: { id: string, name: string }, channels: Channel[], users: Record<string, User>, bot: User, commands: Command[],
   *   visibleCommands: Record<string, Record<string, string[]>>, messages: Record<string, Message[]> }}
   */
  const s = await api('/api/state');
  Object.assign(state, { guild: s.guild, channels: s.channels, users: s.users, bot: s.bot, commands: s.commands, visibleCommands: s.visibleCommands, messages: s.messages });
  state.channelId ??= s.channels[0]?.id;
  $('#guild-name').textContent = s.guild.name;
  render();
}

function wire() {
  $('#channels').addEventListener('click', (e) => {
    const li = closest(e, '[data-channel]');
    if (!li) return;
    const channelId = /** @type {string} */ (li.dataset.channel);
    state.channelId = channelId;
    state.unread[channelId] = 0;
    render();
  });
  $('#messages').addEventListener('click', async (e) => {
    const dismiss = closest(e, '[data-dismiss]');
    if (dismiss) {
      const m = state.messages[state.channelId ?? '']?.find((x) => x.id === dismiss.dataset.dismiss);
      if (m) m.dismissed = true;
      render();
      return;
    }
    const spoiler = closest(e, '.md-spoiler');
    if (spoiler) spoiler.classList.add('revealed');
    /** @type {HTMLButtonElement | null} */
    const button = closest(e, 'button[data-custom-id]');
    if (button) {
      button.disabled = true;
      await api('/api/component', { channelId: state.channelId, messageId: button.dataset.message, customId: button.dataset.customId, user: user() });
      return;
    }
    const rejected = closest(e, '[data-rejected]');
    if (rejected) {
      const r = state.rejected[state.channelId ?? '']?.find((x) => x.n === Number(rejected.dataset.rejected));
      if (r) inspectRejected(r);
      return;
    }
    const el = closest(e, '.message');
    if (el && !closest(e, 'a, select')) {
      // A message of the channel, or of a thread shown inside it.
      const threadId = /** @type {HTMLElement | null} */ (el.parentElement?.closest('[data-thread]'))?.dataset.thread;
      const m = state.messages[threadId ?? state.channelId ?? '']?.find((x) => x.id === el.dataset.id);
      if (m) {
        inspect(m);
        render();
      }
    }
  });
  $('#messages').addEventListener('change', async (e) => {
    /** @type {HTMLSelectElement | null} */
    const select = closest(e, 'select[data-custom-id]');
    if (select) await api('/api/component', { channelId: state.channelId, messageId: select.dataset.message, customId: select.dataset.customId, values: [select.value], user: user() });
  });
  $('#picker').addEventListener('click', (e) => {
    const item = closest(e, '[data-fill]');
    if (!item) return;
    /** @type {HTMLInputElement} */ ($('#composer')).value = item.dataset.fill ?? '';
    $('#composer').focus();
    updatePopups();
  });
  $('#suggestions').addEventListener('click', (e) => {
    const item = closest(e, '[data-value]');
    if (item) pickSuggestion(item.dataset.option ?? '', item.dataset.value ?? '');
  });
  $('#composer').addEventListener('input', updatePopups);
  $('#composer').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      void send();
    } else if (e.key === 'Escape') {
      $('#picker').hidden = true;
      $('#suggestions').hidden = true;
    }
  });
  // Another user sees other messages and may use other commands.
  document.querySelectorAll('input[name=user]').forEach((r) =>
    r.addEventListener('change', () => {
      render();
      updatePopups();
    }),
  );
  $('#digest-now').addEventListener('click', async () => {
    /** @type {HTMLButtonElement} */
    const button = $('#digest-now');
    button.disabled = true;
    $('#digest-status').textContent = 'Posting…';
    const r = await api('/api/post-digest', {});
    $('#digest-status').textContent =
      r.status === 'delivered' ? `Posted ${r.articles} article${r.articles === 1 ? '' : 's'} in ${r.messages} message${r.messages === 1 ? '' : 's'} to #digest.` : r.status === 'skipped' ? 'Nothing new since the last digest.' : `Not posted: ${r.error ?? r.status}`;
    button.disabled = false;
    const digest = state.channels.find((c) => c.name === 'digest');
    if (digest && r.status === 'delivered') {
      state.channelId = digest.id;
      state.unread[digest.id] = 0;
      render();
    }
  });
  const events = new EventSource('/api/events');
  events.addEventListener('message', (e) => onMessage(JSON.parse(e.data)));
  events.addEventListener('rejected', (e) => onRejected(JSON.parse(e.data)));
  events.addEventListener('commands', () => void load());
}

wire();
await load();
document.body.dataset.ready = 'true';
