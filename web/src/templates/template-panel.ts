import { TEMPLATE_LIMITS, templateScaleProblem, templateUrlProblem, type OfficialTemplate, type TemplatePlacement } from '@tessera/protocol';
import { isBoardCoordinate, parseTemplateHash, withTemplateHash } from './template-link.js';
import { loadTemplatePixels, TemplateImageError } from './template-image.js';
import { snapToPalette } from './palette-snap.js';
import type { TemplateOverlay } from './template-overlay.js';

export interface TemplatePanelDeps {
  readonly overlay: TemplateOverlay;
  /** Opens and closes the panel. */
  readonly button: HTMLButtonElement;
  /** Resolves with the palette once the first config arrived (a template is snapped to it). */
  readonly palette: () => Promise<readonly string[]>;
  /** The board pixel at the view centre ("here"). */
  readonly centre: () => { x: number; y: number };
  readonly notify: (text: string, kind: 'error' | 'info') => void;
}

/** What the player loaded: a URL (shareable) or a file (only on this device). */
type Source = { readonly kind: 'url'; readonly url: string; readonly official?: string } | { readonly kind: 'file'; readonly file: File };

export interface ActiveTemplateInfo {
  readonly url: string | undefined;
  readonly official: string | undefined;
  readonly x: number;
  readonly y: number;
  readonly scale: number;
  readonly width: number;
  readonly height: number;
}

export interface TemplatePanel {
  /** The canvas's palette changed: the template is snapped to the new colours. */
  onPalette(palette: readonly string[]): void;
  readonly active: ActiveTemplateInfo | undefined;
  readonly message: string;
  readonly officials: readonly OfficialTemplate[];
}

function make<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/**
 * The templates panel: load an image from a URL or a file, place and scale it, fade or hide it,
 * toggle the admins' official templates, copy a link that reproduces it. Mirrors the active
 * URL template into the page's hash, so the address bar is always the link to share.
 */
export function createTemplatePanel(deps: TemplatePanelDeps): TemplatePanel {
  const { overlay } = deps;
  let source: Source | undefined;
  let placement = { x: 0, y: 0, scale: 1 };
  let message = '';
  let officials: OfficialTemplate[] = [];
  let loading: AbortController | undefined;
  /** The decoded image and the palette it was snapped to: a palette change snaps it again. */
  let decoded: ImageData | undefined;
  let snappedTo: readonly string[] = [];

  const messageLine = make('p', { className: 'template-message', id: 'template-message' });
  messageLine.setAttribute('role', 'status');
  const urlInput = make('input', {
    type: 'url',
    id: 'template-url',
    placeholder: 'https://…/art.png',
    autocomplete: 'off',
    maxLength: TEMPLATE_LIMITS.maxUrlLength,
  });
  const fileInput = make('input', { type: 'file', id: 'template-file', accept: 'image/png,image/gif,image/webp,image/jpeg' });
  const number = (id: string, label: string, step: string, min: string) => {
    const input = make('input', { type: 'number', id, step, min, inputMode: 'decimal' });
    return { input, field: make('label', { className: 'template-field' }, [label, input]) };
  };
  const xField = number('template-x', 'x', '1', '0');
  const yField = number('template-y', 'y', '1', '0');
  const scaleField = number('template-scale', 'scale', 'any', String(TEMPLATE_LIMITS.minScale));
  const opacity = make('input', { type: 'range', id: 'template-opacity', min: '0', max: '1', step: '0.05', value: String(overlay.opacity) });
  opacity.setAttribute('aria-label', 'Template opacity');
  const visibility = make('button', { type: 'button', id: 'template-visibility', className: 'text-button', textContent: 'Hide' });
  const here = make('button', { type: 'button', id: 'template-here', className: 'text-button', textContent: 'Move here' });
  const load = make('button', { type: 'submit', id: 'template-load', className: 'text-button primary', textContent: 'Load' });
  const copy = make('button', { type: 'button', id: 'template-copy', className: 'text-button', textContent: 'Copy link' });
  const remove = make('button', { type: 'button', id: 'template-remove', className: 'text-button', textContent: 'Remove' });
  const officialList = make('ul', { className: 'template-officials', id: 'template-officials' });
  const form = make('form', { className: 'template-form' }, [
    make('label', { className: 'template-field wide' }, ['Image URL', urlInput]),
    make('label', { className: 'template-field wide' }, ['or a file', fileInput]),
    make('div', { className: 'template-row' }, [xField.field, yField.field, scaleField.field]),
    make('div', { className: 'template-row' }, [load, here, copy, remove]),
  ]);
  const close = make('button', { type: 'button', className: 'icon-button panel-close', textContent: '×' });
  close.setAttribute('aria-label', 'Close templates');
  const panel = make('section', { className: 'side-panel template-panel', id: 'template-panel', hidden: true }, [
    make('header', { className: 'side-panel-head' }, [make('h2', { textContent: 'Templates' }), close]),
    make('h3', { textContent: 'Official' }),
    officialList,
    make('h3', { textContent: 'Your own' }),
    form,
    make('div', { className: 'template-row' }, [make('span', { textContent: 'Opacity' }), opacity, visibility]),
    messageLine,
  ]);
  panel.setAttribute('aria-label', 'Templates');
  document.body.append(panel);

  function say(text: string, kind: 'error' | 'info' = 'info'): void {
    message = text;
    messageLine.textContent = text;
    messageLine.dataset.kind = kind;
  }
  function showCount(count: number): void {
    if (!overlay.template) return;
    say(count === 0 ? 'The canvas matches the template.' : `${count} ${count === 1 ? 'pixel differs' : 'pixels differ'} from the template.`);
  }
  overlay.onDiffering = showCount;

  function fillInputs(): void {
    xField.input.value = String(placement.x);
    yField.input.value = String(placement.y);
    scaleField.input.value = String(placement.scale);
    if (source?.kind === 'url') urlInput.value = source.url;
    copy.disabled = source?.kind !== 'url';
    copy.title = source?.kind === 'file' ? 'A file cannot be shared as a link: load the image from a URL' : '';
    remove.disabled = !source;
    for (const item of officialList.querySelectorAll<HTMLButtonElement>('button[data-id]')) {
      item.setAttribute('aria-pressed', String(source?.kind === 'url' && source.official === item.dataset.id));
    }
  }

  function writeHash(): void {
    const next = withTemplateHash(location.hash, source?.kind === 'url' ? { url: source.url, ...placement } : undefined);
    if (next !== location.hash) history.replaceState(null, '', `${location.pathname}${location.search}${next}`);
  }

  /** Loads (or reloads at a new scale) and shows the template; a failure keeps nothing half-shown. */
  async function show(next: Source, where: { x: number; y: number; scale: number }): Promise<void> {
    loading?.abort();
    const controller = new AbortController();
    loading = controller;
    say('Loading the template…');
    try {
      const pixels = await loadTemplatePixels(next.kind === 'url' ? next.url : next.file, where.scale, controller.signal);
      const palette = await deps.palette();
      if (controller.signal.aborted) return;
      source = next;
      placement = where;
      decoded = pixels;
      snappedTo = palette;
      overlay.set({ x: where.x, y: where.y, width: pixels.width, height: pixels.height, indices: snapToPalette(pixels.data, palette) });
      showCount(overlay.differing);
    } catch (error) {
      if (controller.signal.aborted) return;
      const text = error instanceof TemplateImageError ? error.message : 'The template could not be loaded.';
      say(text, 'error');
      deps.notify(text, 'error');
    } finally {
      if (loading === controller) loading = undefined;
      fillInputs();
      writeHash();
    }
  }

  function readPlacement(): { x: number; y: number; scale: number } | string {
    const x = Number(xField.input.value || 0);
    const y = Number(yField.input.value || 0);
    const scale = Number(scaleField.input.value || 1);
    if (!isBoardCoordinate(x) || !isBoardCoordinate(y)) return 'The position must be whole board pixels, from 0.';
    if (templateScaleProblem(scale)) return `The scale must be ${TEMPLATE_LIMITS.minScale} to ${TEMPLATE_LIMITS.maxScale}.`;
    return { x, y, scale };
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const where = readPlacement();
    if (typeof where === 'string') {
      say(where, 'error');
      return;
    }
    const file = fileInput.files?.[0];
    if (file) return void show({ kind: 'file', file }, where);
    const url = urlInput.value.trim();
    if (!url) {
      say('Give an image URL or choose a file.', 'error');
      return;
    }
    const problem = templateUrlProblem(url);
    if (problem) {
      say(`The URL ${problem}.`, 'error');
      return;
    }
    void show({ kind: 'url', url }, where);
  });
  fileInput.addEventListener('change', () => {
    if (fileInput.files?.[0]) urlInput.value = '';
  });
  // Moving keeps the decoded pixels; only a new scale decodes again.
  for (const input of [xField.input, yField.input]) {
    input.addEventListener('change', () => {
      const where = readPlacement();
      const current = overlay.template;
      if (typeof where === 'string' || !current || where.scale !== placement.scale) return;
      placement = where;
      overlay.set({ ...current, x: where.x, y: where.y });
      writeHash();
    });
  }
  here.addEventListener('click', () => {
    const centre = deps.centre();
    const current = overlay.template;
    xField.input.value = String(Math.max(0, centre.x - Math.floor((current?.width ?? 0) / 2)));
    yField.input.value = String(Math.max(0, centre.y - Math.floor((current?.height ?? 0) / 2)));
    xField.input.dispatchEvent(new Event('change'));
  });
  opacity.addEventListener('input', () => {
    overlay.setOpacity(Number(opacity.value));
    visibility.textContent = overlay.opacity === 0 ? 'Show' : 'Hide';
  });
  let shownOpacity = overlay.opacity;
  visibility.addEventListener('click', () => {
    if (overlay.opacity > 0) {
      shownOpacity = overlay.opacity;
      overlay.setOpacity(0);
    } else overlay.setOpacity(shownOpacity || 0.6);
    opacity.value = String(overlay.opacity);
    visibility.textContent = overlay.opacity === 0 ? 'Show' : 'Hide';
    visibility.setAttribute('aria-pressed', String(overlay.opacity === 0));
  });
  copy.addEventListener('click', () => {
    writeHash();
    const link = location.href;
    // navigator.clipboard is missing outside secure contexts (plain-HTTP deployments).
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- see above
    if (navigator.clipboard) {
      navigator.clipboard.writeText(link).then(
        () => deps.notify('Template link copied.', 'info'),
        () => deps.notify(`Copy this link: ${link}`, 'info'),
      );
    } else deps.notify(`Copy this link: ${link}`, 'info');
  });
  remove.addEventListener('click', () => {
    loading?.abort();
    source = undefined;
    overlay.set(undefined);
    decoded = undefined;
    say('');
    fillInputs();
    writeHash();
  });
  const toggle = (open: boolean) => {
    panel.hidden = !open;
    deps.button.setAttribute('aria-expanded', String(open));
  };
  deps.button.addEventListener('click', () => toggle(panel.hidden));
  close.addEventListener('click', () => toggle(false));

  function renderOfficials(): void {
    officialList.replaceChildren(
      ...(officials.length === 0
        ? [make('li', { className: 'muted', textContent: 'None pinned by the admins.' })]
        : officials.map((template) => {
            const button = make('button', { type: 'button', className: 'text-button official', textContent: template.name });
            button.dataset.id = template.id;
            button.addEventListener('click', () => {
              if (source?.kind === 'url' && source.official === template.id) {
                remove.click();
                return;
              }
              void show({ kind: 'url', url: template.url, official: template.id }, { x: template.x, y: template.y, scale: template.scale });
            });
            return make('li', {}, [button]);
          })),
    );
    fillInputs();
  }

  void fetch('/api/canvas/templates', { cache: 'no-cache' })
    .then(async (response) => (response.ok ? ((await response.json()) as { templates?: OfficialTemplate[] }) : {}))
    .then((body) => {
      officials = Array.isArray(body.templates) ? body.templates.slice(0, TEMPLATE_LIMITS.maxOfficial) : [];
      renderOfficials();
    })
    .catch(() => renderOfficials());
  renderOfficials();

  /** Shows the template the page's hash names, unless it is the one shown already. */
  function followHash(): void {
    const fromLink = parseTemplateHash(location.hash);
    if (fromLink?.ok) {
      const { url, ...where }: TemplatePlacement = fromLink.template;
      const same = source?.kind === 'url' && source.url === url && placement.x === where.x && placement.y === where.y && placement.scale === where.scale;
      if (!same) void show({ kind: 'url', url }, where);
    } else if (fromLink) {
      say(fromLink.problem, 'error');
      deps.notify(fromLink.problem, 'error');
    }
  }
  followHash();
  // A template link pasted into this tab's address bar.
  window.addEventListener('hashchange', followHash);
  fillInputs();

  return {
    onPalette(palette) {
      const current = overlay.template;
      if (!decoded || !current || palette.join() === snappedTo.join()) return;
      snappedTo = palette;
      overlay.set({ ...current, indices: snapToPalette(decoded.data, palette) });
    },
    get active() {
      const current = overlay.template;
      if (!current || !source) return undefined;
      return {
        url: source.kind === 'url' ? source.url : undefined,
        official: source.kind === 'url' ? source.official : undefined,
        ...placement,
        width: current.width,
        height: current.height,
      };
    },
    get message() {
      return message;
    },
    get officials() {
      return officials;
    },
  };
}
