import { parseRulesText, type RulesText } from '@tessera/protocol';

/**
 * The rules and help: the admins' text (plain text, built with textContent: never HTML from the
 * admin) and the controls. Shown once to a new player, and again when the admins change the
 * rules; reopened from the "?" button. Holds the phone's "confirm before placing" setting.
 */
export interface RulesPanel {
  /** Whether a tap asks for confirmation before placing. */
  readonly confirmTaps: boolean;
}

export const RULES_SEEN_KEY = 'tessera.rules-seen';
export const CONFIRM_TAPS_KEY = 'tessera.confirm-taps';

export function createRulesPanel(deps: { button: HTMLButtonElement; coarsePointer: boolean }): RulesPanel {
  const storedConfirm = read(CONFIRM_TAPS_KEY);
  // On by default on phones (r/place 2022): a mis-tap costs a whole cooldown.
  let confirmTaps = storedConfirm === null ? deps.coarsePointer : storedConfirm === 'on';

  const rules = document.createElement('div');
  rules.className = 'rules-text';
  const controls = document.createElement('ul');
  const lines = deps.coarsePointer
    ? ['Drag to move, pinch to zoom.', 'Pick a colour, then tap a pixel to place it.', 'After each pixel you wait out the cooldown shown in the dock.']
    : [
        'Drag or use the arrow keys to move; wheel or + and − to zoom.',
        'Pick a colour (keys 1–0), then click a pixel or press Enter to place it.',
        'After each pixel you wait out the cooldown shown in the dock.',
      ];
  controls.append(...lines.map((line) => Object.assign(document.createElement('li'), { textContent: line })));
  const confirm = Object.assign(document.createElement('input'), { type: 'checkbox', id: 'confirm-taps', checked: confirmTaps });
  const confirmLabel = Object.assign(document.createElement('label'), { className: 'rules-setting' });
  confirmLabel.append(confirm, ' Confirm before a tap places a pixel');
  const ok = Object.assign(document.createElement('button'), { type: 'button', id: 'rules-ok', className: 'text-button primary', textContent: 'Got it' });
  const heading = (text: string) => Object.assign(document.createElement('h3'), { textContent: text });
  const panel = Object.assign(document.createElement('section'), { id: 'rules-panel', className: 'side-panel rules-panel', hidden: true });
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-label', 'Rules and help');
  panel.append(Object.assign(document.createElement('h2'), { textContent: 'Rules and help' }), rules, heading('Controls'), controls, confirmLabel, ok);
  document.body.append(panel);

  let version = 0;
  function render(text: RulesText): void {
    version = text.version;
    const blocks = parseRulesText(text.text);
    if (blocks.length === 0) blocks.push({ kind: 'paragraph', text: 'Be kind, place one pixel at a time, and build something together.' });
    rules.replaceChildren(
      ...blocks.map((block) => {
        if (block.kind === 'paragraph') return Object.assign(document.createElement('p'), { textContent: block.text });
        const list = document.createElement('ul');
        list.append(...block.items.map((item) => Object.assign(document.createElement('li'), { textContent: item })));
        return list;
      }),
    );
  }
  const toggle = (open: boolean) => {
    panel.hidden = !open;
    deps.button.setAttribute('aria-expanded', String(open));
    if (open) ok.focus();
  };
  ok.addEventListener('click', () => {
    write(RULES_SEEN_KEY, String(version));
    toggle(false);
  });
  deps.button.addEventListener('click', () => toggle(panel.hidden));
  confirm.addEventListener('change', () => {
    confirmTaps = confirm.checked;
    write(CONFIRM_TAPS_KEY, confirmTaps ? 'on' : 'off');
  });

  void fetch('/api/canvas/rules', { cache: 'no-cache' })
    .then(async (response) => (response.ok ? ((await response.json()) as Partial<Record<keyof RulesText, unknown>>) : { text: '', version: 0 }))
    .catch(() => ({ text: '', version: 0 }))
    .then((text) => {
      render({ text: typeof text.text === 'string' ? text.text : '', version: Number(text.version) || 0 });
      const seen = read(RULES_SEEN_KEY);
      if (seen === null || Number(seen) < version) toggle(true);
    });

  return {
    get confirmTaps() {
      return confirmTaps;
    },
  };
}

function read(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}
function write(key: string, value: string): void {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // memory only: shown again next visit
  }
}
