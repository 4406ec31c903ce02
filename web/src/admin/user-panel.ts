import type { AdminApiClient } from './api-client.js';
import { AdminApiError } from './api-client.js';
import type { AdminPixelInfo, AdminPixelOwner, AdminUserInfo } from '@tessera/protocol';
import { placementsPlot } from './placements-plot.js';

/**
 * The pixel and user panel beside the admin canvas: who placed a picked pixel and when, then that
 * user's record (placements over time, recent pixels, sessions and addresses, ban), with the
 * moderation actions on it: ban the user, ban an address, and revert the user since a time
 * (a preview count first, then a confirm).
 */
export interface UserPanel {
  showPixel(x: number, y: number): Promise<void>;
  showUser(userId: string): Promise<void>;
}

export interface UserPanelOptions {
  readonly api: () => AdminApiClient | undefined;
  /** The page's way to run an action: says how it went, reloads what it changed; true on success. */
  readonly act: (what: string, action: (client: AdminApiClient) => Promise<unknown>) => Promise<boolean>;
  readonly palette: () => readonly string[];
  /** Jump the canvas to a pixel (from the recent placements). */
  readonly onShowPixel: (x: number, y: number) => void;
  readonly title: HTMLElement;
  readonly empty: HTMLElement;
  readonly body: HTMLElement;
}

function make<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}
function button(text: string, onClick: () => void, className?: string): HTMLButtonElement {
  const node = make('button', text, className);
  node.type = 'button';
  node.addEventListener('click', onClick);
  return node;
}
function labelled(text: string, input: HTMLInputElement): HTMLLabelElement {
  const label = make('label', text);
  label.append(input);
  return label;
}
function input(name: string, type: string, attributes: Record<string, string> = {}): HTMLInputElement {
  const node = make('input');
  node.name = name;
  node.type = type;
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  return node;
}
function time(ms: number | null): string {
  return ms === null ? '—' : new Date(ms).toLocaleString();
}
function ago(ms: number, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - ms) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} days ago`;
}
/** `datetime-local` wants local time without a zone. */
function localInputValue(ms: number): string {
  const date = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return date.toISOString().slice(0, 19);
}
export function ownerName(owner: Pick<AdminPixelOwner, 'displayName' | 'pseudonym'>): string {
  return owner.displayName ?? owner.pseudonym;
}
function failure(error: unknown): string {
  if (error instanceof AdminApiError && error.status === 404 && error.body.error === 'NOT_FOUND') return 'This gateway has no owner lookup (yet).';
  return error instanceof Error ? error.message : String(error);
}

export function createUserPanel(options: UserPanelOptions): UserPanel {
  const { body, title, empty } = options;
  /** Each lookup supersedes the previous one: a slow answer for an older click is dropped. */
  let generation = 0;

  function show(heading: string, ...children: Node[]): void {
    title.textContent = heading;
    empty.hidden = true;
    body.replaceChildren(...children);
  }

  function swatch(color: number): HTMLSpanElement {
    const dot = make('span', undefined, 'swatch-dot');
    dot.style.background = options.palette()[color] ?? 'transparent';
    dot.setAttribute('aria-hidden', 'true');
    return dot;
  }

  function pixelFacts(pixel: AdminPixelInfo): HTMLElement {
    const facts = make('dl', undefined, 'facts');
    const color = make('dd');
    color.append(swatch(pixel.color), `${pixel.color} ${options.palette()[pixel.color] ?? ''}`);
    const owner = make('dd');
    owner.id = 'pixel-owner';
    owner.textContent = pixel.owner ? `${ownerName(pixel.owner)} (${pixel.owner.kind})` : 'nobody: background or erased';
    facts.append(
      make('dt', 'Colour'),
      color,
      make('dt', 'Placed'),
      make('dd', pixel.placedAt === null ? '—' : `${time(pixel.placedAt)} (${ago(pixel.placedAt)})`),
      make('dt', 'By'),
      owner,
    );
    if (pixel.owner) facts.append(make('dt', 'User id'), make('dd', pixel.owner.userId, 'details'));
    return facts;
  }

  async function loadUser(userId: string, mine: number): Promise<HTMLElement | undefined> {
    const client = options.api();
    if (!client) return undefined;
    try {
      const user = await client.user(userId);
      return mine === generation ? userSection(user) : undefined;
    } catch (error) {
      return make('p', `Could not load the user: ${failure(error)}`);
    }
  }

  function userSection(user: AdminUserInfo): HTMLElement {
    const section = make('section');
    section.id = 'user-view';
    section.dataset.userId = user.userId;
    section.setAttribute('aria-label', `User ${ownerName(user)}`);
    const facts = make('dl', undefined, 'facts');
    facts.append(
      make('dt', 'User'),
      make('dd', `${ownerName(user)} (${user.kind})`),
      make('dt', 'Id'),
      make('dd', user.userId, 'details'),
      make('dt', 'Placements'),
      make('dd', String(user.placements)),
      make('dt', 'First / last'),
      make('dd', `${time(user.firstPlacedAt)} / ${time(user.lastPlacedAt)}`),
    );
    section.append(make('h4', 'Placements over time'), placementsPlot(user.perMinute), facts);
    section.append(banPart(user), revertPart(user), sessionsPart(user), recentPart(user));
    return section;
  }

  function banPart(user: AdminUserInfo): HTMLElement {
    const part = make('div');
    part.append(make('h4', 'Ban'));
    if (user.ban) {
      const until = user.ban.expiresAt === 0 ? 'forever' : `until ${time(user.ban.expiresAt)}`;
      part.append(make('p', `Banned ${until} by ${user.ban.by}${user.ban.reason ? `: ${user.ban.reason}` : ''}`));
      part.append(button('Unban user', () => void run(`Unbanning ${ownerName(user)}`, (client) => client.unban(user.userId), user.userId)));
      return part;
    }
    const form = make('form', undefined, 'row');
    form.id = 'user-ban-form';
    const reason = input('reason', 'text', { maxlength: '500' });
    const minutes = input('minutes', 'number', { min: '1' });
    const submit = make('button', 'Ban user');
    submit.type = 'submit';
    form.append(labelled('Reason', reason), labelled('Minutes (empty: forever)', minutes), submit);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const request = {
        ...(reason.value.trim() ? { reason: reason.value.trim() } : {}),
        ...(minutes.value ? { durationMs: Math.round(Number(minutes.value) * 60_000) } : {}),
      };
      void run(`Banning ${ownerName(user)}`, (client) => client.ban(user.userId, request), user.userId);
    });
    part.append(form);
    return part;
  }

  function revertPart(user: AdminUserInfo): HTMLElement {
    const part = make('div');
    part.append(make('h4', 'Revert this user'));
    const form = make('form', undefined, 'row');
    form.id = 'revert-form';
    const since = input('since', 'datetime-local', { required: '', step: '1' });
    since.value = localInputValue(user.firstPlacedAt ?? Date.now() - 3_600_000);
    const preview = make('button', 'Preview');
    preview.type = 'submit';
    form.append(labelled('Undo every pixel placed since', since), preview);
    const outcome = make('div');
    outcome.id = 'revert-outcome';
    outcome.setAttribute('role', 'status');
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const at = since.valueAsNumber; // datetime-local reads as if UTC: undo the zone
      if (!Number.isFinite(at)) return void outcome.replaceChildren(make('p', 'Give a time to revert from.'));
      const sinceMs = at + new Date(at).getTimezoneOffset() * 60_000;
      void previewRevert(user, sinceMs, outcome);
    });
    since.addEventListener('input', () => outcome.replaceChildren()); // a preview only stands for the time it was made for
    part.append(form, outcome);
    return part;
  }

  async function previewRevert(user: AdminUserInfo, since: number, outcome: HTMLElement): Promise<void> {
    const client = options.api();
    if (!client) return;
    outcome.replaceChildren(make('p', 'Counting…'));
    try {
      const { pixels, skipped, coveredFrom } = await client.revertPreview({ userId: user.userId, since });
      const text = make('p', `${pixels} pixel(s) would go back to their previous colour; ${skipped} placed over by others since are left alone.`);
      // The stream is trimmed: placements older than what it holds cannot be reverted from it.
      if (coveredFrom !== null && coveredFrom > since) text.append(` Only placements since ${time(coveredFrom)} are still in the event stream.`);
      text.id = 'revert-preview';
      text.dataset.pixels = String(pixels);
      if (pixels === 0) return void outcome.replaceChildren(text);
      const confirm = button(
        `Revert ${pixels} pixel(s)`,
        () => {
          confirm.disabled = true;
          void run(
            `Reverting ${ownerName(user)} since ${time(since)}`,
            async (c) => {
              const result = await c.revert({ userId: user.userId, since, reason: `revert from the admin canvas` });
              outcome.replaceChildren(make('p', `Reverted ${result.reverted} pixel(s); ${result.skipped} left alone.`));
            },
            user.userId,
          );
        },
        'danger',
      );
      confirm.id = 'revert-confirm';
      outcome.replaceChildren(text, confirm);
    } catch (error) {
      outcome.replaceChildren(make('p', `The preview failed: ${failure(error)}`));
    }
  }

  function sessionsPart(user: AdminUserInfo): HTMLElement {
    const part = make('div');
    part.append(make('h4', `Sessions and addresses (${user.sessions.length})`));
    const table = make('table');
    const head = make('thead');
    const headRow = make('tr');
    for (const text of ['Address', 'First seen', 'Last seen', '']) headRow.append(make('th', text));
    head.append(headRow);
    const rows = make('tbody');
    rows.id = 'user-sessions';
    for (const session of user.sessions) {
      const row = make('tr');
      const action = make('td');
      action.append(
        button(
          'Ban address',
          () => {
            if (!window.confirm(`Ban every player from ${session.address}?`)) return;
            void run(`Banning ${session.address}`, (client) => client.banAddress({ address: session.address, reason: `with ${ownerName(user)}` }), user.userId);
          },
          'danger',
        ),
      );
      row.append(make('td', session.address, 'details'), make('td', time(session.firstSeen)), make('td', time(session.lastSeen)), action);
      rows.append(row);
    }
    table.append(head, rows);
    part.append(user.sessions.length > 0 ? table : make('p', 'No sessions recorded.', 'muted'));
    return part;
  }

  function recentPart(user: AdminUserInfo): HTMLElement {
    const part = make('div');
    part.append(make('h4', `Recent placements (${user.recent.length})`));
    const list = make('ol', undefined, 'recent-list');
    for (const placement of user.recent) {
      const item = make('li');
      item.append(
        swatch(placement.color),
        button(`(${placement.x}, ${placement.y})`, () => options.onShowPixel(placement.x, placement.y), 'link-button'),
        ` ${ago(placement.at)}`,
      );
      list.append(item);
    }
    part.append(list);
    return part;
  }

  /** The picked pixel's facts and heading, kept above the user when the user is shown again. */
  let pixelPart: { heading: string; facts: HTMLElement } | undefined;

  async function displayUser(userId: string): Promise<void> {
    const mine = ++generation;
    const user = await loadUser(userId, mine);
    if (!user || mine !== generation) return;
    show(pixelPart?.heading ?? 'User', ...(pixelPart ? [pixelPart.facts] : []), user);
  }

  /** Runs an action on the user and shows them again as they are now. */
  async function run(what: string, action: (client: AdminApiClient) => Promise<unknown>, userId: string): Promise<void> {
    if (await options.act(what, action)) await displayUser(userId);
  }

  return {
    async showPixel(x, y) {
      const mine = ++generation;
      const client = options.api();
      if (!client) return;
      const heading = `Pixel (${x}, ${y})`;
      pixelPart = undefined;
      show(heading, make('p', 'Looking up…', 'muted'));
      try {
        const pixel = await client.pixel(x, y);
        if (mine !== generation) return;
        const facts = pixelFacts(pixel);
        pixelPart = { heading, facts };
        show(heading, facts);
        if (!pixel.owner) return;
        const user = await loadUser(pixel.owner.userId, mine);
        if (user && mine === generation) body.append(user);
      } catch (error) {
        if (mine === generation) show(heading, make('p', `The lookup failed: ${failure(error)}`));
      }
    },
    showUser(userId) {
      pixelPart = undefined;
      return displayUser(userId);
    },
  };
}
