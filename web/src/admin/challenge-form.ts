import { isChallengeMode, isChallengePoint, type CanvasConfig } from '@tessera/protocol';
import type { AdminApiClient } from './api-client.js';

/** The bot-check knob: who must solve a proof-of-work challenge, and where (PUT /challenge). */
export function attachChallengeForm(form: HTMLFormElement, act: (what: string, change: (client: AdminApiClient) => Promise<unknown>) => void) {
  const select = (name: string) => form.elements.namedItem(name) as HTMLSelectElement;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const mode = select('mode').value;
    const at = select('at').value;
    if (!isChallengeMode(mode) || !isChallengePoint(at)) return;
    act(
      mode === 'off' ? 'Turning the bot check off' : `Asking ${mode} for a bot check ${at === 'handshake' ? 'once per connection' : 'at every placement'}`,
      (client) => client.setChallenge({ mode, at }),
    );
  });
  return {
    /** Shows the settings in force (after every config read). */
    show(config: CanvasConfig): void {
      select('mode').value = config.challenge.mode;
      select('at').value = config.challenge.at;
    },
  };
}
