export interface Palette {
  /** The selected palette index. */
  readonly selected: number;
  /** Shows these colours (from the canvas config); keeps the selection when it still exists. */
  setColors(colors: readonly string[]): void;
  select(index: number): void;
  setDisabled(disabled: boolean): void;
}

export interface PaletteOptions {
  readonly container: HTMLElement;
  readonly onSelect?: (index: number) => void;
  /** localStorage key remembering the last colour (default `tessera.colour`). */
  readonly storageKey?: string;
}

/** Perceived brightness, to pick a ring colour that shows on the swatch. */
function isLight(color: string): boolean {
  const n = Number.parseInt(color.slice(1), 16);
  const r = (n >> 16) & 255;
  const g = (n >> 8) & 255;
  const b = n & 255;
  return 0.299 * r + 0.587 * g + 0.114 * b > 160;
}

/**
 * The colour swatches: a radio group of buttons in a scrollable bar (thumb-sized on a phone).
 * Keys 1–9 and 0 pick the first ten colours from anywhere on the page.
 */
export function createPalette(options: PaletteOptions): Palette {
  const { container } = options;
  const storageKey = options.storageKey ?? 'tessera.colour';
  let colors: readonly string[] = [];
  let buttons: HTMLButtonElement[] = [];
  let selected = readStored() ?? 1;

  function readStored(): number | undefined {
    try {
      const value = Number(window.localStorage.getItem(storageKey) ?? Number.NaN);
      return Number.isInteger(value) && value >= 0 ? value : undefined;
    } catch {
      return undefined;
    }
  }

  function render(): void {
    container.replaceChildren();
    buttons = colors.map((color, index) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'swatch';
      button.setAttribute('role', 'radio');
      button.style.setProperty('--swatch-color', color);
      button.dataset.index = String(index);
      button.dataset.light = String(isLight(color));
      const key = index < 10 ? ` (key ${(index + 1) % 10})` : '';
      button.setAttribute('aria-label', `Colour ${index + 1}: ${color}${key}`);
      button.title = `${color}${key}`;
      button.addEventListener('click', () => palette.select(index));
      return button;
    });
    container.append(...buttons);
    mark();
  }

  // A radio group: one tab stop (the selected colour), arrows move within it.
  function mark(): void {
    buttons.forEach((button, index) => {
      button.setAttribute('aria-checked', String(index === selected));
      button.tabIndex = index === selected ? 0 : -1;
    });
  }

  container.addEventListener('keydown', (event) => {
    const moves: Record<string, number> = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
    let next: number | undefined;
    if (event.key in moves) next = (selected + moves[event.key]! + colors.length) % colors.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = colors.length - 1;
    if (next === undefined) return;
    event.preventDefault();
    palette.select(next);
    buttons[next]?.focus();
  });

  document.addEventListener('keydown', (event) => {
    if (event.altKey || event.metaKey || event.ctrlKey) return;
    const target = event.target as HTMLElement | null;
    if (target?.closest('input, textarea, select, [contenteditable]')) return;
    if (!/^[0-9]$/.test(event.key)) return;
    const index = (Number(event.key) + 9) % 10; // 1 → 0, …, 0 → 9
    if (index < colors.length) palette.select(index);
  });

  const palette: Palette = {
    get selected() {
      return selected;
    },
    setColors(next) {
      const same = next.length === colors.length && next.every((color, i) => color === colors[i]);
      colors = next;
      if (selected >= colors.length) selected = colors.length > 1 ? 1 : 0;
      if (!same) render();
      else mark();
    },
    select(index) {
      if (index < 0 || index >= colors.length) return;
      selected = index;
      mark();
      buttons[index]?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      try {
        window.localStorage.setItem(storageKey, String(index));
      } catch {
        // not remembered
      }
      options.onSelect?.(index);
    },
    setDisabled(disabled) {
      container.toggleAttribute('data-disabled', disabled);
    },
  };
  return palette;
}
