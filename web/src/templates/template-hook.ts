import type { TemplateOverlay } from './template-overlay.js';
import type { ActiveTemplateInfo, TemplatePanel } from './template-panel.js';

/** `window.__tesseraTemplates`: read-only, for browser tests and the console. */
export interface TemplatesTestHook {
  readonly active: ActiveTemplateInfo | undefined;
  readonly differing: number;
  differingPixels(): string[];
  readonly message: string;
  readonly officials: readonly string[];
  readonly opacity: number;
}

export function installTemplatesHook(panel: TemplatePanel, overlay: TemplateOverlay): void {
  const hook: TemplatesTestHook = Object.freeze({
    get active() {
      return panel.active;
    },
    get differing() {
      return overlay.differing;
    },
    differingPixels: () => overlay.differingPixels(),
    get message() {
      return panel.message;
    },
    get officials() {
      return panel.officials.map((template) => template.id);
    },
    get opacity() {
      return overlay.opacity;
    },
  });
  Object.defineProperty(window, '__tesseraTemplates', { value: hook, enumerable: false, configurable: false, writable: false });
}
