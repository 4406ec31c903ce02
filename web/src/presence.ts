export interface PresenceBadge {
  show(online: number): void;
}

const format = new Intl.NumberFormat();

/** "1,234 online": players connected across every gateway, hidden until the first figure arrives. */
export function createPresenceBadge(element: HTMLElement): PresenceBadge {
  return {
    show(online) {
      element.textContent = `${format.format(online)} online`;
      element.title = online === 1 ? 'You are the only player here now' : `${format.format(online)} players here now`;
      element.hidden = false;
    },
  };
}
