import { createHash } from 'node:crypto';

/*
 * The λ-slider chat page served at GET /. One self-contained HTML document: inline CSS and JS,
 * no external assets (the CSP below allows nothing else). It streams answers from
 * /v1/chat/completions and sends the slider's λ (and the AlignEZ switch/strength) with every
 * request, so λ can change from one turn to the next; each answer is labelled with the steering
 * the server reports it used.
 */

export const PAGE_CSS = `
:root { --bg:#f6f7f9; --panel:#fff; --ink:#1d232b; --mute:#667085; --line:#dde1e7; --accent:#3b5bdb; --user:#e7ecff; --bot:#fff; --err:#b42318; }
* { box-sizing: border-box; }
html, body { height: 100%; margin: 0; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: var(--bg); display: flex; flex-direction: column; }
header { display: flex; align-items: baseline; gap: 12px; padding: 10px 18px; background: var(--panel); border-bottom: 1px solid var(--line); }
header h1 { font-size: 18px; margin: 0; }
header .model { color: var(--mute); font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; }
header .status { margin-left: auto; color: var(--mute); font-size: 13px; }
.controls { display: flex; flex-wrap: wrap; gap: 10px 26px; align-items: center; padding: 10px 18px; background: var(--panel); border-bottom: 1px solid var(--line); }
.control { display: flex; align-items: center; gap: 8px; }
.control label { font-weight: 600; }
.control output { min-width: 3.2em; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-weight: 600; color: var(--accent); }
.control input[type=range] { width: 220px; accent-color: var(--accent); }
.control input[type=number] { width: 5.5em; }
.hint { color: var(--mute); font-size: 12px; }
.disabled { opacity: .5; }
#log { flex: 1; overflow-y: auto; padding: 18px; display: flex; flex-direction: column; gap: 12px; }
.msg { max-width: 780px; padding: 9px 13px; border-radius: 10px; border: 1px solid var(--line); white-space: pre-wrap; word-break: break-word; }
.msg.user { align-self: flex-end; background: var(--user); border-color: #c9d3ff; }
.msg.assistant { align-self: flex-start; background: var(--bot); }
.msg.error { align-self: stretch; color: var(--err); background: #fef3f2; border-color: #fecdca; }
.badge { display: block; margin-bottom: 4px; font-size: 12px; color: var(--mute); font-family: ui-monospace, "DejaVu Sans Mono", monospace; white-space: normal; }
.badge b { color: var(--accent); }
.empty { color: var(--mute); text-align: center; margin-top: 12vh; }
form { display: flex; gap: 8px; padding: 12px 18px; background: var(--panel); border-top: 1px solid var(--line); }
textarea { flex: 1; resize: none; height: 3.2em; padding: 8px 10px; font: inherit; border: 1px solid var(--line); border-radius: 8px; }
button { font: inherit; padding: 0 16px; border-radius: 8px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); }
button:disabled { opacity: .45; cursor: default; }
#key-row { display: none; }
`;

export const PAGE_JS = `
'use strict';
const $ = (id) => document.getElementById(id);
const ui = { lambda: $('lambda'), lambdaOut: $('lambda-value'), lambdaHint: $('lambda-hint'), alignez: $('alignez'), strength: $('strength'),
  strengthOut: $('strength-value'), alignezHint: $('alignez-hint'), temperature: $('temperature'), maxTokens: $('max-tokens'),
  key: $('api-key'), keyRow: $('key-row'), log: $('log'), input: $('input'), send: $('send'), stop: $('stop'), clear: $('clear'),
  status: $('status'), model: $('model') };
const chat = { model: null, history: [], controller: null, lambda: true, alignez: false };

function headers() {
  const h = { 'Content-Type': 'application/json' };
  const key = ui.key.value.trim() || sessionStorage.getItem('aligndial-key') || '';
  if (key) h.Authorization = 'Bearer ' + key;
  return h;
}
function setStatus(text) { ui.status.textContent = text; }
function fmt(x) { return x === null || x === undefined ? '—' : Number(x).toFixed(2); }
function showControls() {
  ui.lambdaOut.value = fmt(ui.lambda.value);
  ui.strengthOut.value = fmt(ui.strength.value);
  ui.strength.disabled = !chat.alignez || !ui.alignez.checked;
}

async function loadModel() {
  let res;
  try { res = await fetch('/v1/models', { headers: headers() }); } catch (e) { setStatus('server unreachable'); return; }
  if (res.status === 401) { ui.keyRow.style.display = 'flex'; setStatus('this server needs an API key'); return; }
  const body = await res.json();
  const m = body.data[0];
  const a = m.aligndial || {};
  chat.model = m.id;
  ui.model.textContent = m.id;
  chat.lambda = !!(a.lambda && a.lambda.supported);
  chat.alignez = !!(a.alignez && a.alignez.supported);
  if (a.lambda && typeof a.lambda.default === 'number') ui.lambda.value = String(a.lambda.default);
  if (a.alignez && typeof a.alignez.strength === 'number') ui.strength.value = String(a.alignez.strength);
  ui.alignez.checked = chat.alignez && (!a.alignez || a.alignez.enabled !== false);
  ui.lambda.disabled = !chat.lambda;
  ui.alignez.disabled = !chat.alignez;
  $('lambda-control').classList.toggle('disabled', !chat.lambda);
  $('alignez-control').classList.toggle('disabled', !chat.alignez);
  if (!chat.lambda) ui.lambdaHint.textContent = 'no CLM adapter or DeRa aligned model loaded (start the server with --adapter or --aligned-model to dial λ)';
  if (!chat.alignez) ui.alignezHint.textContent = 'no AlignEZ edits loaded';
  if (typeof m.max_model_len === 'number') ui.maxTokens.max = String(m.max_model_len);
  showControls();
  setStatus('ready');
}

function bubble(kind, text) {
  const empty = ui.log.querySelector('.empty');
  if (empty) empty.remove();
  const div = document.createElement('div');
  div.className = 'msg ' + kind;
  if (text) div.textContent = text;
  ui.log.appendChild(div);
  ui.log.scrollTop = ui.log.scrollHeight;
  return div;
}

function describe(info, extra) {
  const parts = ['λ <b>' + (info && info.lambda !== null && info.lambda !== undefined ? fmt(info.lambda) : 'base') + '</b>'];
  if (info && info.alignez && info.alignez.enabled !== null && info.alignez.enabled !== undefined) parts.push('AlignEZ ' + (info.alignez.enabled ? 'on ×' + fmt(info.alignez.strength) : 'off'));
  if (extra) parts.push(extra);
  return parts.join(' · ');
}

async function send() {
  const text = ui.input.value.trim();
  if (!text || chat.controller || !chat.model) return;
  ui.input.value = '';
  bubble('user', text);
  chat.history.push({ role: 'user', content: text });
  const request = { model: chat.model, messages: chat.history.slice(), stream: true, stream_options: { include_usage: true },
    temperature: Number(ui.temperature.value), max_tokens: Number(ui.maxTokens.value) };
  if (chat.lambda) request.lambda = Number(ui.lambda.value);
  if (chat.alignez) request.alignez = ui.alignez.checked ? { enabled: true, strength: Number(ui.strength.value) } : { enabled: false };
  const div = bubble('assistant', '');
  const badge = document.createElement('span');
  badge.className = 'badge';
  badge.innerHTML = describe({ lambda: request.lambda ?? null }, 'waiting…');
  const body = document.createElement('span');
  body.className = 'content';
  div.append(badge, body);
  chat.controller = new AbortController();
  ui.send.disabled = true; ui.stop.disabled = false;
  setStatus('generating…');
  let answer = '', info = null, finish = null, tokens = null;
  try {
    const res = await fetch('/v1/chat/completions', { method: 'POST', headers: headers(), body: JSON.stringify(request), signal: chat.controller.signal });
    if (!res.ok) {
      const err = await res.json().catch(() => ({ error: { message: res.statusText } }));
      throw new Error(err.error.message);
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf('\\n\\n')) >= 0) {
        const event = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = event.split('\\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\\n');
        if (!data || data === '[DONE]') continue;
        const chunk = JSON.parse(data);
        if (chunk.error) throw new Error(chunk.error.message);
        if (chunk.aligndial) info = chunk.aligndial;
        if (chunk.usage) tokens = chunk.usage.completion_tokens;
        const choice = chunk.choices && chunk.choices[0];
        if (choice && choice.delta && choice.delta.content) { answer += choice.delta.content; body.textContent = answer; ui.log.scrollTop = ui.log.scrollHeight; }
        if (choice && choice.finish_reason) finish = choice.finish_reason;
        badge.innerHTML = describe(info, finish ? (tokens !== null ? tokens + ' tokens · ' : '') + finish : 'streaming…');
      }
    }
    badge.innerHTML = describe(info, (tokens !== null ? tokens + ' tokens · ' : '') + (finish || 'stopped'));
    setStatus('ready');
  } catch (e) {
    if (e.name === 'AbortError') { badge.innerHTML = describe(info, 'stopped'); setStatus('stopped'); }
    else { div.remove(); bubble('error', e.message); chat.history.pop(); setStatus('error'); answer = null; }
  } finally {
    if (answer !== null) { chat.history.push({ role: 'assistant', content: answer }); div.dataset.done = 'true'; div.dataset.lambda = info && info.lambda !== null ? String(info.lambda) : ''; }
    chat.controller = null;
    ui.send.disabled = false; ui.stop.disabled = true;
  }
}

ui.lambda.addEventListener('input', showControls);
ui.strength.addEventListener('input', showControls);
ui.alignez.addEventListener('change', showControls);
ui.key.addEventListener('change', () => { sessionStorage.setItem('aligndial-key', ui.key.value.trim()); loadModel(); });
ui.send.addEventListener('click', (e) => { e.preventDefault(); send(); });
ui.stop.addEventListener('click', (e) => { e.preventDefault(); if (chat.controller) chat.controller.abort(); });
ui.clear.addEventListener('click', (e) => { e.preventDefault(); chat.history = []; ui.log.innerHTML = '<p class="empty">Say something. Move λ between turns: 0 = base model, 1 = aligned, above 1 = extrapolated.</p>'; });
ui.input.addEventListener('keydown', (e) => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); send(); } });
showControls();
loadModel();
`;

const BODY = `
<header><h1>aligndial</h1><span class="model" id="model">…</span><span class="status" id="status">loading…</span></header>
<section class="controls">
  <div class="control" id="lambda-control">
    <label for="lambda">λ</label>
    <input type="range" id="lambda" min="0" max="2.5" step="0.05" value="1" aria-describedby="lambda-hint">
    <output id="lambda-value" for="lambda">1.00</output>
    <span class="hint" id="lambda-hint">0 base · 1 aligned · &gt;1 extrapolate</span>
  </div>
  <div class="control" id="alignez-control">
    <label><input type="checkbox" id="alignez"> AlignEZ</label>
    <input type="range" id="strength" min="0" max="3" step="0.1" value="1" aria-label="AlignEZ strength">
    <output id="strength-value" for="strength">1.00</output>
    <span class="hint" id="alignez-hint"></span>
  </div>
  <div class="control"><label for="temperature">temp</label><input type="number" id="temperature" min="0" max="2" step="0.1" value="0.7"></div>
  <div class="control"><label for="max-tokens">max tokens</label><input type="number" id="max-tokens" min="1" step="1" value="128"></div>
  <div class="control" id="key-row"><label for="api-key">API key</label><input type="password" id="api-key" autocomplete="off"></div>
</section>
<main id="log" aria-live="polite"><p class="empty">Say something. Move λ between turns: 0 = base model, 1 = aligned, above 1 = extrapolated.</p></main>
<form id="composer">
  <textarea id="input" placeholder="Message (Enter to send, Shift+Enter for a new line)" aria-label="Message"></textarea>
  <button id="send" type="submit">Send</button>
  <button id="stop" type="button" class="secondary" disabled>Stop</button>
  <button id="clear" type="button" class="secondary">Clear</button>
</form>
`;

const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

/** The page's Content-Security-Policy: its own inline script and style (by hash), calls to this origin, nothing else. */
export const CHAT_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${sha256(PAGE_JS)}`,
  `style-src ${sha256(PAGE_CSS)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const CHAT_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>aligndial chat</title>
<link rel="icon" href="data:,">
<style>${PAGE_CSS}</style>
</head>
<body>${BODY}<script>${PAGE_JS}</script>
</body>
</html>
`;
