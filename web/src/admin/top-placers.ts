import type { AdminApiClient } from './api-client.js';
import type { TopPlacers as TopPlacersResponse } from '@tessera/protocol';
import { ownerName } from './user-panel.js';

/** The "Top placers" card: who placed the most since a time; a row opens that user in the panel. */
export interface TopPlacers {
  load(): Promise<void>;
}

export interface TopPlacersOptions {
  readonly api: () => AdminApiClient | undefined;
  readonly table: HTMLElement;
  readonly period: HTMLSelectElement;
  readonly refresh: HTMLElement;
  readonly onInspect: (userId: string) => void;
}

export function createTopPlacers(options: TopPlacersOptions): TopPlacers {
  const { table, period } = options;

  function row(user: TopPlacersResponse['users'][number]): HTMLTableRowElement {
    const tr = document.createElement('tr');
    const cells = [ownerName(user), user.kind, String(user.placements)].map((text) => {
      const td = document.createElement('td');
      td.textContent = text;
      return td;
    });
    const inspect = document.createElement('button');
    inspect.type = 'button';
    inspect.textContent = 'Inspect';
    inspect.setAttribute('aria-label', `Inspect ${ownerName(user)}`);
    inspect.addEventListener('click', () => options.onInspect(user.userId));
    const action = document.createElement('td');
    action.append(inspect);
    tr.append(...cells, action);
    return tr;
  }

  async function load(): Promise<void> {
    const client = options.api();
    if (!client) return;
    const minutes = Number(period.value);
    try {
      const { users } = await client.topPlacers(minutes > 0 ? Date.now() - minutes * 60_000 : undefined);
      table.replaceChildren(...users.map(row));
      if (users.length === 0) table.replaceChildren(message('Nobody placed a pixel in this period.'));
    } catch (error) {
      table.replaceChildren(message(`Could not load the top placers: ${error instanceof Error ? error.message : String(error)}`));
    }
  }

  function message(text: string): HTMLTableRowElement {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = 4;
    td.textContent = text;
    tr.append(td);
    return tr;
  }

  period.addEventListener('change', () => void load());
  options.refresh.addEventListener('click', () => void load());
  return { load };
}
