export interface Toast {
  /** Shows one short message for `durationMs` (default 3500), replacing the one shown. */
  show(text: string, kind?: 'error' | 'info', durationMs?: number): void;
}

/** A transient message, announced to screen readers through the element's live region. */
export function createToast(element: HTMLElement): Toast {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    show(text, kind = 'error', durationMs = 3500) {
      clearTimeout(timer);
      element.textContent = text;
      element.dataset.kind = kind;
      element.hidden = false;
      timer = setTimeout(() => {
        element.hidden = true;
      }, durationMs);
    },
  };
}
