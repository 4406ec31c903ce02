import { isHistoryViewerMode, type CanvasConfig, type HistoryViewerMode } from '@tessera/protocol';
import type { AdminApiClient } from './api-client.js';

/** What each mode means, as the admin reads it beside the select. */
const DESCRIPTIONS: Readonly<Record<HistoryViewerMode, string>> = {
  off: 'Players cannot open the history.',
  on: 'Every player can scrub through the history.',
  'while-paused': 'Players can open the history while the canvas is paused (pause it when the event ends).',
};

/**
 * The history viewer's switch on the admin page: a select of the modes and a Set button. A CDN
 * keeps history objects it already served; switching off stops new ones (purge the CDN for the rest).
 */
export function attachHistoryViewerControl(deps: {
  readonly form: HTMLFormElement;
  readonly description: HTMLElement;
  readonly act: (what: string, action: (client: AdminApiClient) => Promise<unknown>) => Promise<boolean>;
}): { show(config: CanvasConfig): void } {
  const select = deps.form.elements.namedItem('mode') as HTMLSelectElement;
  const describe = () => {
    deps.description.textContent = isHistoryViewerMode(select.value) ? DESCRIPTIONS[select.value] : '';
  };
  select.addEventListener('change', describe);
  deps.form.addEventListener('submit', (event) => {
    event.preventDefault();
    const mode = select.value;
    if (!isHistoryViewerMode(mode)) return;
    void deps.act(`Setting the history viewer to ${mode}`, (client) => client.setHistoryViewer(mode));
  });
  return {
    show(config) {
      select.value = config.historyViewer ?? 'off';
      describe();
    },
  };
}
