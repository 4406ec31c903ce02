import { OWNER_LOOKUPS, OwnerLookup, type CanvasConfig } from '@tessera/protocol';
import type { AdminApiClient } from './api-client.js';

/** The canvas setting of what players see of who placed a pixel: names, pseudonyms only, or off. */
export interface OwnerLookupSetting {
  show(config: CanvasConfig): void;
}

const LABELS: Record<OwnerLookup, string> = {
  names: 'display names (guests by pseudonym)',
  pseudonyms: 'pseudonyms only',
  off: 'off: players cannot look pixels up',
};

export function createOwnerLookupSetting(options: {
  readonly form: HTMLFormElement;
  readonly act: (what: string, action: (client: AdminApiClient) => Promise<unknown>) => Promise<boolean>;
}): OwnerLookupSetting {
  const select = options.form.elements.namedItem('ownerLookup') as HTMLSelectElement;
  select.replaceChildren(
    ...OWNER_LOOKUPS.map((mode) => {
      const item = document.createElement('option');
      item.value = mode;
      item.textContent = LABELS[mode];
      return item;
    }),
  );
  options.form.addEventListener('submit', (event) => {
    event.preventDefault();
    const mode = select.value as OwnerLookup;
    if (!OWNER_LOOKUPS.includes(mode)) return;
    void options.act(`Setting who-placed-it for players to ${mode}`, (client) => client.setOwnerLookup(mode));
  });
  return {
    show(config) {
      select.value = config.ownerLookup ?? OwnerLookup.Names;
    },
  };
}
