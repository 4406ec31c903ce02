// The admin page's history jobs: start a timelapse, heatmap, virgin map or dataset of a time
// range, follow its progress, and download what it made through a fresh presigned link. Its own
// module (the rest of the page is main.ts): it needs only the admin token.
import { ADMIN_API_BASE } from '@tessera/protocol';

interface HistoryJob {
  id: string;
  state: 'waiting' | 'active' | 'completed' | 'failed';
  request: { kind: string; from: number; to: number };
  progress: { fraction: number; stage: string };
  result?: { fileName: string; bytes: number };
  error?: string;
}

/** While a job is waiting or running, the list is read this often. */
const POLL_MS = 1_000;

function element<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`admin.html lacks #${id}`);
  return found as T;
}

/** `datetime-local` values are local time; the API takes epoch ms. */
function epochOf(value: string): number {
  return value === '' ? Number.NaN : new Date(value).getTime();
}

function localValue(ms: number): string {
  const date = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return date.toISOString().slice(0, 19);
}

export interface HistoryJobsPanel {
  /** Signed in: show the jobs and keep them fresh. */
  start(token: string): void;
  /** Signed out: stop polling and forget the token. */
  stop(): void;
}

export function createHistoryJobsPanel(): HistoryJobsPanel {
  const form = element<HTMLFormElement>('history-job-form');
  const table = element('history-jobs');
  const notice = element('history-notice');
  let token: string | undefined;
  let timer: number | undefined;

  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${ADMIN_API_BASE}${path}`, {
      method,
      headers: { authorization: `Bearer ${token ?? ''}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      cache: 'no-store',
    });
    const parsed = (await response.json().catch(() => ({ error: 'INTERNAL' }))) as T & { error?: string; message?: string };
    if (!response.ok) throw new Error(`${parsed.error ?? response.status}${parsed.message ? `: ${parsed.message}` : ''}`);
    return parsed;
  };

  const say = (text: string, kind: 'ok' | 'error' = 'ok'): void => {
    notice.textContent = text;
    notice.dataset.kind = kind;
  };

  const row = (job: HistoryJob): HTMLTableRowElement => {
    const tr = document.createElement('tr');
    tr.dataset.jobId = job.id;
    tr.dataset.state = job.state;
    const cells = [
      job.id,
      job.request.kind,
      `${new Date(job.request.from).toLocaleString()} → ${new Date(job.request.to).toLocaleString()}`,
      job.state === 'failed' ? `failed: ${job.error ?? ''}` : job.state,
    ];
    for (const text of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    const progress = document.createElement('td');
    const bar = document.createElement('progress');
    bar.max = 1;
    bar.value = job.progress.fraction;
    bar.className = 'history-progress';
    progress.append(bar, ` ${Math.round(job.progress.fraction * 100)}% ${job.progress.stage}`);
    tr.append(progress);
    const action = document.createElement('td');
    if (job.state === 'completed' && job.result) {
      const link = document.createElement('button');
      link.type = 'button';
      link.className = 'history-download';
      link.textContent = `Download ${job.result.fileName} (${(job.result.bytes / 1e6).toFixed(2)} MB)`;
      // A fresh link on each click: links expire (HISTORY_LINK_TTL_SECONDS).
      link.addEventListener('click', () => {
        void call<{ url: string }>('GET', `/history-jobs/${job.id}/link`).then(
          ({ url }) => {
            const anchor = document.createElement('a');
            anchor.href = url;
            anchor.className = 'history-link';
            anchor.textContent = job.result!.fileName;
            action.replaceChildren(anchor);
            anchor.click();
          },
          (error: unknown) => say(`Could not get the link: ${String(error)}`, 'error'),
        );
      });
      action.append(link);
    }
    tr.append(action);
    return tr;
  };

  const refresh = async (): Promise<void> => {
    window.clearTimeout(timer);
    if (!token) return;
    try {
      const { jobs } = await call<{ jobs: HistoryJob[] }>('GET', '/history-jobs?limit=20');
      // A link the admin already fetched stays in its row.
      const kept = new Map(
        [...table.querySelectorAll<HTMLTableRowElement>('tr')].filter((tr) => tr.querySelector('.history-link')).map((tr) => [tr.dataset.jobId, tr]),
      );
      table.replaceChildren(...jobs.map((job) => kept.get(job.id) ?? row(job)));
      if (jobs.some((job) => job.state === 'waiting' || job.state === 'active')) timer = window.setTimeout(() => void refresh(), POLL_MS);
    } catch (error) {
      say(
        String(error).includes('SNAPSHOTS_UNAVAILABLE')
          ? 'No snapshotter is deployed for this canvas: history jobs run on it.'
          : `Could not list history jobs: ${String(error)}`,
        'error',
      );
    }
  };

  const kindField = form.elements.namedItem('kind') as HTMLSelectElement;
  const showFields = (): void => {
    for (const field of form.querySelectorAll<HTMLElement>('[data-for]')) field.hidden = !(field.dataset.for ?? '').split(' ').includes(kindField.value);
  };
  kindField.addEventListener('change', showFields);
  showFields();

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = (name: string): string => (form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement).value;
    const kind = value('kind');
    const body: Record<string, unknown> = { kind, from: epochOf(value('from')), to: epochOf(value('to')) };
    if (kind !== 'dataset') {
      const [x, y, width, height] = ['x', 'y', 'width', 'height'].map((name) => value(name));
      if ([x, y, width, height].some((part) => part !== '')) body.region = { x: Number(x), y: Number(y), width: Number(width), height: Number(height) };
    }
    if (kind === 'timelapse')
      Object.assign(body, {
        durationSeconds: Number(value('durationSeconds')),
        fps: Number(value('fps')),
        scale: Number(value('scale')),
        quality: value('quality'),
      });
    if (kind === 'dataset') body.format = value('format');
    void call<{ job: HistoryJob }>('POST', '/history-jobs', body).then(
      ({ job }) => {
        say(`Started ${job.request.kind} job ${job.id}`);
        void refresh();
      },
      (error: unknown) => say(`Could not start: ${String(error)}`, 'error'),
    );
  });
  element('history-refresh').addEventListener('click', () => void refresh());

  return {
    start(signedIn) {
      token = signedIn;
      const now = Date.now();
      const from = form.elements.namedItem('from') as HTMLInputElement;
      const to = form.elements.namedItem('to') as HTMLInputElement;
      if (from.value === '') from.value = localValue(now - 3_600_000);
      if (to.value === '') to.value = localValue(now);
      void refresh();
    },
    stop() {
      token = undefined;
      window.clearTimeout(timer);
      table.replaceChildren();
    },
  };
}
