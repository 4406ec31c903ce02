import './player-content.css';
import type { OfficialTemplate } from '@tessera/protocol';
import type { AdminApiClient } from './api-client.js';

/**
 * The admin page's "For players" section: the rules text and the official templates. `act` is
 * the page's runner (says how it went, refreshes the audit log).
 */
export function createPlayerContentSection(deps: {
  act: (what: string, action: (client: AdminApiClient) => Promise<unknown>, after?: (() => Promise<void>)[]) => Promise<boolean>;
  client: () => AdminApiClient | undefined;
  refreshAudit: () => Promise<void>;
}) {
  const byId = <T extends HTMLElement>(id: string) => {
    const found = document.getElementById(id);
    if (!found) throw new Error(`admin.html lacks #${id}`);
    return found as T;
  };
  const rulesForm = byId<HTMLFormElement>('rules-form');
  const rulesText = byId<HTMLTextAreaElement>('rules-text');
  const templateForm = byId<HTMLFormElement>('template-form');
  const rows = byId<HTMLTableSectionElement>('templates');

  async function loadRules(): Promise<void> {
    const rules = await deps.client()?.rules();
    if (!rules) return;
    rulesText.value = rules.text;
    byId('rules-version').textContent = rules.version === 0 ? 'none yet (players see a default line)' : `version ${rules.version}`;
  }

  async function loadTemplates(): Promise<void> {
    const list = await deps.client()?.templates();
    if (!list) return;
    rows.replaceChildren(...list.templates.map(row));
  }

  function row(template: OfficialTemplate): HTMLTableRowElement {
    const tr = document.createElement('tr');
    const text = (value: string) => Object.assign(document.createElement('td'), { textContent: value });
    const unpin = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Unpin' });
    unpin.dataset.id = template.id;
    unpin.addEventListener(
      'click',
      () => void deps.act(`Unpinning ${template.id}`, (client) => client.unpinTemplate(template.id), [loadTemplates, deps.refreshAudit]),
    );
    const action = document.createElement('td');
    action.append(unpin);
    tr.append(text(template.id), text(template.name), text(template.url), text(`${template.x}, ${template.y}`), text(String(template.scale)), action);
    return tr;
  }

  rulesForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void deps.act('Saving the rules', (client) => client.putRules(rulesText.value), [loadRules, deps.refreshAudit]);
  });
  templateForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const field = (name: string) => (templateForm.elements.namedItem(name) as HTMLInputElement).value.trim();
    const template: OfficialTemplate = {
      id: field('id'),
      name: field('name'),
      url: field('url'),
      x: Number(field('x')),
      y: Number(field('y')),
      scale: Number(field('scale')),
    };
    void deps.act(`Pinning ${template.id}`, (client) => client.pinTemplate(template), [loadTemplates, deps.refreshAudit]);
  });

  return {
    /** After sign-in: read what is there now. */
    load: () => Promise.all([loadRules(), loadTemplates()]).then(() => undefined),
  };
}
