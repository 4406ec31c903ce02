import './admin.css';
import type { AddressBanEntry, AdminConfigResponse, AuditEntry, BanEntry, CanvasConfig, SnapshotInfo } from '@tessera/protocol';
import { AdminApiError, createAdminApiClient, type AdminApiClient } from './api-client.js';
import { createStatsPanel } from './stats.js';
import { attachChallengeForm } from './challenge-form.js';
import { createPlayerContentSection } from './player-content.js';
import { attachHistoryViewerControl } from './history-viewer-control.js';
import { createCanvasSection, type CanvasSection } from './canvas-section.js';
import { createOwnerLookupSetting } from './owner-lookup-setting.js';
import { createTopPlacers } from './top-placers.js';
import { createUserPanel } from './user-panel.js';
import { createHistoryJobsPanel } from './history-jobs.js';

// The admin page: every operation of the admin API behind the admin token. Plain DOM, no framework.

const TOKEN_KEY = 'tessera.adminToken';

function element<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`admin.html lacks #${id}`);
  return found as T;
}
function cell(text: string, className?: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}
function option(value: string, text: string): HTMLOptionElement {
  const opt = document.createElement('option');
  opt.value = value;
  opt.textContent = text;
  return opt;
}
function when(ms: number): string {
  return ms === 0 ? 'forever' : new Date(ms).toLocaleString();
}
function numberField(form: HTMLFormElement, name: string): number {
  return Number((form.elements.namedItem(name) as HTMLInputElement).value);
}
function textField(form: HTMLFormElement, name: string): string {
  return (form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement).value.trim();
}

const notice = element('notice');
let noticeTimer: number | undefined;
function say(text: string, kind: 'ok' | 'error' = 'ok'): void {
  notice.textContent = text;
  notice.dataset.kind = kind;
  notice.hidden = false;
  window.clearTimeout(noticeTimer);
  noticeTimer = window.setTimeout(() => (notice.hidden = true), kind === 'error' ? 10_000 : 4_000);
}

let api: AdminApiClient | undefined;
const historyJobs = createHistoryJobsPanel();
let current: AdminConfigResponse | undefined;
let auditNext: string | undefined;
const statsPanel = createStatsPanel(
  {
    figures: element('stats-figures'),
    placementsPlot: element('stats-placements-plot'),
    onlinePlot: element('stats-online-plot'),
    exportButton: element<HTMLButtonElement>('stats-export'),
  },
  () => (api ? api.stats() : Promise.reject(new Error('not signed in'))),
  (error) => {
    if (error instanceof AdminApiError && error.status === 401) signOut('That token is not valid (any more).');
  },
);

/** Runs an admin action, shows its outcome, and refreshes what it may have changed. */
/** Runs an admin action, says how it went, reloads what it changed; true when it succeeded. */
async function act(
  what: string,
  action: (client: AdminApiClient) => Promise<unknown>,
  after: (() => Promise<void>)[] = [loadConfig, loadAudit],
): Promise<boolean> {
  if (!api) return false;
  const client = api;
  let succeeded = false;
  try {
    await action(client);
    succeeded = true;
    say(`${what}: done`);
  } catch (error) {
    if (error instanceof AdminApiError && error.status === 401) {
      signOut('That token is not valid (any more).');
      return false;
    }
    say(`${what} failed: ${error instanceof Error ? error.message : String(error)}`, 'error');
  }
  await Promise.all(after.map((load) => load().catch(() => undefined)));
  return succeeded;
}

const playerContent = createPlayerContentSection({ act, client: () => api, refreshAudit: () => loadAudit() });

// Signing in and out.

async function signIn(token: string): Promise<void> {
  const client = createAdminApiClient(token);
  try {
    const who = await client.whoami();
    sessionStorage.setItem(TOKEN_KEY, token);
    api = client;
    element('who').textContent = `signed in as ${who.name}`;
    element('sign-out').hidden = false;
    element('sign-in').hidden = true;
    element('console').hidden = false;
    statsPanel.start();
    canvasSection ??= createCanvasSection({ onPick: (x, y) => void userPanel.showPixel(x, y) }); // the canvas is public: it stays live until the page closes
    await Promise.all([loadConfig(), loadBans(), loadAudit(), loadSnapshots(), playerContent.load().catch(() => undefined), topPlacers.load()]);
    historyJobs.start(token);
  } catch (error) {
    sessionStorage.removeItem(TOKEN_KEY);
    say(error instanceof AdminApiError && error.status === 401 ? 'That token is not valid.' : `Sign-in failed: ${String(error)}`, 'error');
  }
}

function signOut(message?: string): void {
  sessionStorage.removeItem(TOKEN_KEY);
  api = undefined;
  statsPanel.stop();
  historyJobs.stop();
  element('console').hidden = true;
  element('sign-in').hidden = false;
  element('sign-out').hidden = true;
  element('who').textContent = '';
  if (message) say(message, 'error');
}

element<HTMLFormElement>('sign-in-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void signIn(element<HTMLInputElement>('token').value.trim());
});
element('sign-out').addEventListener('click', () => signOut());

// The canvas and its palette.

async function loadConfig(): Promise<void> {
  if (!api) return;
  current = await api.config();
  showConfig(current.config);
}

function showConfig(config: CanvasConfig): void {
  element('canvas-id').textContent = current?.canvasId ?? '';
  element('fact-size').textContent = `${config.width} × ${config.height}`;
  element('fact-cooldown').textContent = `${config.cooldownMs / 1000} s`;
  element('fact-state').textContent = `${config.paused ? 'paused' : 'open'}${current?.remapping ? ' (removing colours…)' : ''}`;
  element('fact-version').textContent = String(config.version);
  element('pause-toggle').textContent = config.paused ? 'Resume placement' : 'Pause placement';
  const size = element<HTMLFormElement>('size-form');
  (size.elements.namedItem('width') as HTMLInputElement).value = String(config.width);
  (size.elements.namedItem('height') as HTMLInputElement).value = String(config.height);
  (element<HTMLFormElement>('cooldown-form').elements.namedItem('seconds') as HTMLInputElement).value = String(config.cooldownMs / 1000);
  showPalette(config.palette);
  challengeForm.show(config);
  historyViewer.show(config);
  ownerLookupSetting.show(config);
}

function showPalette(palette: readonly string[]): void {
  const container = element('palette');
  container.replaceChildren(
    ...palette.map((color, index) => {
      const label = document.createElement('label');
      label.className = 'swatch';
      label.textContent = String(index);
      const input = document.createElement('input');
      input.type = 'color';
      input.value = color;
      input.dataset.index = String(index);
      input.dataset.original = color;
      input.setAttribute('aria-label', `Palette index ${index}`);
      input.addEventListener('input', () => label.classList.toggle('changed', input.value !== color));
      label.append(input);
      return label;
    }),
  );
  const removable = element<HTMLSelectElement>('remove-index');
  const mapTo = element<HTMLSelectElement>('remove-map');
  removable.replaceChildren(...palette.map((color, index) => option(String(index), `${index} ${color}`)).slice(1));
  mapTo.replaceChildren(...palette.map((color, index) => option(String(index), `${index} ${color}`)));
}

element<HTMLFormElement>('palette-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const colors = [...element('palette').querySelectorAll<HTMLInputElement>('input[type=color]')]
    .filter((input) => input.value !== input.dataset.original)
    .map((input) => ({ index: Number(input.dataset.index), color: input.value.toLowerCase() }));
  if (colors.length === 0) {
    say('No colour changed.');
    return;
  }
  void act(`Recolouring ${colors.length} colour(s)`, (client) => client.recolor(colors));
});

element<HTMLFormElement>('add-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const color = textField(event.currentTarget as HTMLFormElement, 'color').toLowerCase();
  void act(`Adding ${color}`, (client) => client.addColors([color]));
});

element<HTMLFormElement>('remove-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  const index = numberField(form, 'index');
  const mapTo = numberField(form, 'mapTo');
  if (index === mapTo) {
    say('A colour cannot be mapped to itself.', 'error');
    return;
  }
  if (!window.confirm(`Remove colour ${index}? Its pixels become colour ${mapTo}, and the colours after it move down by one.`)) return;
  void act(`Removing colour ${index}`, (client) => client.removeColor(index, mapTo));
});

element<HTMLFormElement>('size-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  const [width, height] = [numberField(form, 'width'), numberField(form, 'height')];
  const config = current?.config;
  if (config && (width < config.width || height < config.height) && !window.confirm('Shrinking erases every pixel outside the new size. Go on?')) return;
  void act(`Resizing to ${width} × ${height}`, (client) => client.resize(width, height));
});

element<HTMLFormElement>('cooldown-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const ms = Math.round(numberField(event.currentTarget as HTMLFormElement, 'seconds') * 1000);
  void act(`Setting the cooldown to ${ms / 1000} s`, (client) => client.setCooldown(ms));
});

const challengeForm = attachChallengeForm(element<HTMLFormElement>('challenge-form'), (what, change) => void act(what, change));

element('pause-toggle').addEventListener('click', () => {
  const paused = !(current?.config.paused ?? false);
  void act(paused ? 'Pausing' : 'Resuming', (client) => client.setPaused(paused));
});
const historyViewer = attachHistoryViewerControl({
  form: element<HTMLFormElement>('history-viewer-form'),
  description: element('history-viewer-description'),
  act,
});
element('refresh').addEventListener('click', () => void act('Refreshing', () => Promise.resolve(undefined), [loadConfig, loadBans, loadAudit]));

// Bans.

async function loadBans(): Promise<void> {
  if (!api) return;
  const [{ bans }, addresses] = await Promise.all([api.bans(), api.addressBans()]);
  element('bans').replaceChildren(...bans.map(banRow));
  element('address-bans').replaceChildren(...addresses.bans.map(addressBanRow));
}

function addressBanRow(ban: AddressBanEntry): HTMLTableRowElement {
  const row = document.createElement('tr');
  const unban = document.createElement('button');
  unban.type = 'button';
  unban.textContent = 'Unban';
  unban.addEventListener('click', () => void act(`Unbanning ${ban.prefix}`, (client) => client.unbanAddress(ban.prefix), [loadBans, loadAudit]));
  const action = document.createElement('td');
  action.append(unban);
  row.append(cell(ban.prefix), cell(ban.reason), cell(when(ban.expiresAt)), cell(ban.by), action);
  return row;
}

element<HTMLFormElement>('address-ban-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  const address = textField(form, 'address');
  const reason = textField(form, 'reason');
  const minutes = textField(form, 'minutes');
  const request = { address, ...(reason ? { reason } : {}), ...(minutes ? { durationMs: Math.round(Number(minutes) * 60_000) } : {}) };
  void act(`Banning ${address}`, (client) => client.banAddress(request), [loadBans, loadAudit]).then((done) => {
    if (done) form.reset(); // a refused ban keeps what was typed, to correct it
  });
});

function banRow(ban: BanEntry): HTMLTableRowElement {
  const row = document.createElement('tr');
  const unban = document.createElement('button');
  unban.type = 'button';
  unban.textContent = 'Unban';
  unban.addEventListener('click', () => void act(`Unbanning ${ban.userId}`, (client) => client.unban(ban.userId), [loadBans, loadAudit]));
  const action = document.createElement('td');
  action.append(unban);
  row.append(cell(ban.userId), cell(ban.reason), cell(when(ban.expiresAt)), cell(ban.by), action);
  return row;
}

element<HTMLFormElement>('ban-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  const userId = textField(form, 'userId');
  const reason = textField(form, 'reason');
  const minutes = textField(form, 'minutes');
  const request = { ...(reason ? { reason } : {}), ...(minutes ? { durationMs: Math.round(Number(minutes) * 60_000) } : {}) };
  void act(`Banning ${userId}`, (client) => client.ban(userId, request), [loadBans, loadAudit]).then((done) => {
    if (done) form.reset(); // a refused ban keeps what was typed, to correct it
  });
});

// Rollback.

element<HTMLFormElement>('erase-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  const rect = { x: numberField(form, 'x'), y: numberField(form, 'y'), width: numberField(form, 'width'), height: numberField(form, 'height') };
  const source = textField(form, 'source');
  const what = source ? `Restoring ${rect.width} × ${rect.height} from ${source}` : `Erasing ${rect.width} × ${rect.height}`;
  let counted = '';
  void act(
    what,
    async (client) => {
      const result = source ? await client.restoreRegion(rect, source) : await client.erase(rect);
      counted = `${result.changed} of ${result.pixels} pixels changed`;
    },
    [loadAudit],
  ).then((done) => {
    if (done) say(`${what}: ${counted}`); // act's own "done" would hide the count
  });
});

// Snapshots.

async function loadSnapshots(): Promise<void> {
  if (!api) return;
  const table = element('snapshots');
  const sources = element<HTMLSelectElement>('rollback-source');
  try {
    const { snapshots } = await api.snapshots();
    table.replaceChildren(...snapshots.map(snapshotRow));
    sources.replaceChildren(option('', 'background (erase)'), ...snapshots.map((snapshot) => option(snapshot.key, `snapshot ${when(snapshot.takenAt)}`)));
  } catch (error) {
    const row = document.createElement('tr');
    row.append(
      cell(error instanceof AdminApiError && error.body.error === 'SNAPSHOTS_UNAVAILABLE' ? 'No snapshotter is deployed for this canvas.' : String(error)),
    );
    table.replaceChildren(row);
  }
}

function snapshotRow(snapshot: SnapshotInfo): HTMLTableRowElement {
  const row = document.createElement('tr');
  const restore = document.createElement('button');
  restore.type = 'button';
  restore.className = 'danger';
  restore.textContent = 'Restore';
  restore.addEventListener('click', () => {
    if (!window.confirm(`Replace the whole canvas with the snapshot of ${when(snapshot.takenAt)}?`)) return;
    void act('Restoring the snapshot', (client) => client.restoreSnapshot(snapshot.key));
  });
  const action = document.createElement('td');
  action.append(restore);
  row.append(cell(when(snapshot.takenAt)), cell(snapshot.position), cell(snapshot.key, 'details'), action);
  return row;
}

element('snapshot-take').addEventListener('click', () => void act('Taking a snapshot', (client) => client.takeSnapshot(), [loadSnapshots, loadAudit]));
element('snapshot-list').addEventListener('click', () => void loadSnapshots());

// Audit log.

async function loadAudit(more = false): Promise<void> {
  if (!api) return;
  const page = await api.audit(more ? auditNext : undefined);
  const rows = page.entries.map(auditRow);
  if (more) element('audit').append(...rows);
  else element('audit').replaceChildren(...rows);
  auditNext = page.next;
  element('audit-more').hidden = auditNext === undefined;
}

function auditRow(entry: AuditEntry): HTMLTableRowElement {
  const row = document.createElement('tr');
  row.append(cell(new Date(entry.at).toLocaleString()), cell(entry.actor), cell(entry.action), cell(JSON.stringify(entry.details), 'details'));
  return row;
}

element('audit-more').addEventListener('click', () => void loadAudit(true));

// Moderation from the canvas: the live canvas, the pixel and user panel, the top placers.

let canvasSection: CanvasSection | undefined;
const ownerLookupSetting = createOwnerLookupSetting({ form: element<HTMLFormElement>('owner-lookup-form'), act: (what, action) => act(what, action) });
const userPanel = createUserPanel({
  api: () => api,
  act: (what, action) => act(what, action, [loadBans, loadAudit]),
  palette: () => current?.config.palette ?? [],
  onShowPixel: (x, y) => {
    canvasSection?.canvas.showPixel(x, y);
    canvasSection?.canvas.setPicked({ x, y });
    void userPanel.showPixel(x, y);
  },
  title: element('moderation-title'),
  empty: element('moderation-empty'),
  body: element('moderation-body'),
});
const topPlacers = createTopPlacers({
  api: () => api,
  table: element('top-placers'),
  period: element<HTMLSelectElement>('top-period'),
  refresh: element('top-refresh'),
  onInspect: (userId) => {
    element('moderation-panel').scrollIntoView({ block: 'nearest' });
    void userPanel.showUser(userId);
  },
});

// Start: a token from this tab's session signs in at once.
const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) void signIn(saved);
