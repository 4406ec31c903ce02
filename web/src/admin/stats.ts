import type { EventStatsReport, StatsMinute } from '@tessera/protocol';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** How often the panel reads the numbers again while the page is visible. */
const REFRESH_MS = 5_000;

export interface StatsPanelElements {
  readonly figures: HTMLElement;
  readonly placementsPlot: HTMLElement;
  readonly onlinePlot: HTMLElement;
  readonly exportButton: HTMLButtonElement;
}

export interface StatsPanel {
  /** Starts reading (now, then every few seconds while the page is visible). */
  start(): void;
  stop(): void;
  /** Reads and shows the numbers now. */
  refresh(): Promise<void>;
}

const format = new Intl.NumberFormat();
const time = (ms: number): string => (ms === 0 ? '—' : new Date(ms).toLocaleTimeString());

/** The admin page's live view of the event's numbers: figures, two plots, and a JSON export. */
export function createStatsPanel(elements: StatsPanelElements, load: () => Promise<EventStatsReport>, onError: (error: unknown) => void): StatsPanel {
  let timer: number | undefined;
  let latest: EventStatsReport | undefined;
  const plots = new Map<HTMLElement, uPlot>();

  function figure(name: string, label: string, value: string, detail?: string): HTMLElement {
    const group = document.createElement('div');
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.dataset.stat = name;
    dd.textContent = value;
    if (detail) dd.title = detail;
    group.append(dt, dd);
    return group;
  }

  function showFigures(stats: EventStatsReport): void {
    elements.figures.replaceChildren(
      figure('online', 'Online now', format.format(stats.online)),
      figure('peakOnline', 'Peak online', format.format(stats.peakOnline.value), `at ${time(stats.peakOnline.at)}`),
      figure('uniqueUsers', 'Unique users', format.format(stats.uniqueUsers), 'who placed at least one pixel (estimate)'),
      figure('signedInUsers', 'Signed-in users', format.format(stats.signedInUsers)),
      figure('canvasLoads', 'Canvas loads', format.format(stats.canvasLoads)),
      figure('placements', 'Placements', format.format(stats.placements)),
      figure(
        'peakPlacementsPerSecond',
        'Peak placements/s',
        format.format(stats.peakPlacementsPerSecond.value),
        `at ${time(stats.peakPlacementsPerSecond.at)}`,
      ),
    );
  }

  function plot(container: HTMLElement, label: string, stroke: string, x: number[], y: number[]): void {
    const data: uPlot.AlignedData = [x, y];
    const existing = plots.get(container);
    if (existing) {
      existing.setData(data);
      return;
    }
    const width = Math.max(320, container.clientWidth);
    const options: uPlot.Options = {
      width,
      height: 200,
      scales: { x: { time: true } },
      axes: [
        { stroke: '#a9b0bb', grid: { stroke: 'rgba(255,255,255,0.08)' } },
        { stroke: '#a9b0bb', grid: { stroke: 'rgba(255,255,255,0.08)' } },
      ],
      series: [{}, { label, stroke, width: 2, fill: `${stroke}33` }],
    };
    plots.set(container, new uPlot(options, data, container));
  }

  function showPlots(stats: EventStatsReport): void {
    const minutes = everyMinute(stats);
    const x = minutes.map((minute) => minute.minute / 1000); // uPlot's time scale is in seconds
    plot(
      elements.placementsPlot,
      'Placements',
      '#ffd635',
      x,
      minutes.map((minute) => minute.placements),
    );
    plot(
      elements.onlinePlot,
      'Online',
      '#3ddc84',
      x,
      minutes.map((minute) => minute.peakOnline),
    );
  }

  async function refresh(): Promise<void> {
    try {
      latest = await load();
      showFigures(latest);
      showPlots(latest);
    } catch (error) {
      onError(error);
    }
  }

  elements.exportButton.addEventListener('click', () => {
    void (async () => {
      await refresh();
      if (!latest) return;
      const url = URL.createObjectURL(new Blob([JSON.stringify(latest, null, 2)], { type: 'application/json' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = `tessera-stats-${latest.canvasId}-${new Date(latest.at).toISOString().replace(/[:.]/g, '-')}.json`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    })();
  });

  function schedule(): void {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => {
      if (document.visibilityState === 'visible') void refresh().finally(schedule);
      else schedule();
    }, REFRESH_MS);
  }

  return {
    start() {
      void refresh();
      schedule();
    },
    stop() {
      window.clearTimeout(timer);
      timer = undefined;
    },
    refresh,
  };
}

const MINUTE_MS = 60_000;
/** Filling in more minutes than this (a stray field years back) would only flatten the plot. */
const MAX_FILLED_MINUTES = 50_000;

/**
 * The minutes to plot: from the minute before the first one recorded to the current one, each
 * minute without a record as zero, so a line has at least two points and a quiet minute shows.
 */
export function everyMinute(stats: Pick<EventStatsReport, 'perMinute' | 'at'>): StatsMinute[] {
  const recorded = stats.perMinute;
  const first = recorded[0];
  const now = stats.at - (stats.at % MINUTE_MS);
  if (!first) return [zero(now - MINUTE_MS), zero(now)];
  const start = first.minute - MINUTE_MS;
  const end = Math.max(now, recorded[recorded.length - 1]!.minute);
  if ((end - start) / MINUTE_MS > MAX_FILLED_MINUTES) return [...recorded];
  const byMinute = new Map(recorded.map((minute) => [minute.minute, minute]));
  const out: StatsMinute[] = [];
  for (let minute = start; minute <= end; minute += MINUTE_MS) out.push(byMinute.get(minute) ?? zero(minute));
  return out;
}

function zero(minute: number): StatsMinute {
  return { minute, placements: 0, canvasLoads: 0, peakOnline: 0 };
}
