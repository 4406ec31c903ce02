/**
 * The phone's confirm step (r/place 2022): a tap selects a pixel and asks; only "Place" places.
 * A new tap moves the selection; "Cancel" or Escape drops it.
 */
export interface TapConfirm {
  /** Asks before `place` runs (or runs it at once when confirmation is off). */
  request(x: number, y: number, place: () => void): void;
  readonly pending: { x: number; y: number } | undefined;
}

export function createTapConfirm(deps: { enabled: () => boolean; onSelect: (pixel: { x: number; y: number } | undefined) => void }): TapConfirm {
  let pending: { x: number; y: number; place: () => void } | undefined;
  const text = Object.assign(document.createElement('span'), { id: 'confirm-text' });
  const placeButton = Object.assign(document.createElement('button'), {
    type: 'button',
    id: 'confirm-place',
    className: 'text-button primary',
    textContent: 'Place',
  });
  const cancel = Object.assign(document.createElement('button'), { type: 'button', id: 'confirm-cancel', className: 'text-button', textContent: 'Cancel' });
  const bar = Object.assign(document.createElement('div'), { id: 'confirm-bar', className: 'confirm-bar', hidden: true });
  bar.setAttribute('role', 'dialog');
  bar.setAttribute('aria-label', 'Confirm placing');
  bar.append(text, placeButton, cancel);
  document.body.append(bar);

  function clear(): void {
    pending = undefined;
    bar.hidden = true;
    deps.onSelect(undefined);
  }
  placeButton.addEventListener('click', () => {
    const chosen = pending;
    clear();
    chosen?.place();
  });
  cancel.addEventListener('click', clear);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && pending) clear();
  });

  return {
    request(x, y, place) {
      if (!deps.enabled()) {
        place();
        return;
      }
      pending = { x, y, place };
      text.textContent = `Place at (${x}, ${y})?`;
      bar.hidden = false;
      deps.onSelect({ x, y });
    },
    get pending() {
      return pending && { x: pending.x, y: pending.y };
    },
  };
}
