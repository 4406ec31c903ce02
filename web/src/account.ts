/**
 * The account control in the top bar: "Sign in" for a guest, the player's name and "Sign out" once
 * signed in, and a sign-in button on the loading screen when the canvas will not admit a guest.
 */
export interface AccountElements {
  readonly container: HTMLElement;
  readonly name: HTMLElement;
  readonly button: HTMLButtonElement;
  /** On the loading screen: shown while the canvas waits for a sign-in. */
  readonly splashButton: HTMLButtonElement;
}

export interface Account {
  /** Whether this canvas has a provider to sign in with (hidden otherwise). */
  setAvailable(available: boolean): void;
  /** Signed in (with the name the gateway read from the token, if any) or a guest. */
  setSignedIn(signedIn: boolean, displayName?: string): void;
  /** The canvas is waiting for the player to sign in (required, or the sign-in expired). */
  setNeedsSignIn(needed: boolean): void;
}

export function createAccount(elements: AccountElements, actions: { signIn(): void; signOut(): void }): Account {
  let available = false;
  let signedIn = false;
  let needsSignIn = false;
  let displayName: string | undefined;

  function render(): void {
    const { container, name, button, splashButton } = elements;
    container.hidden = !available;
    container.dataset.signedIn = String(signedIn);
    name.hidden = !signedIn;
    name.textContent = signedIn ? (displayName ?? 'Signed in') : '';
    name.title = signedIn ? `Signed in as ${displayName ?? 'an account'}` : '';
    button.textContent = signedIn ? 'Sign out' : 'Sign in';
    button.dataset.attention = String(needsSignIn && !signedIn);
    splashButton.hidden = !(available && needsSignIn && !signedIn);
  }

  const onClick = (): void => (signedIn ? actions.signOut() : actions.signIn());
  elements.button.addEventListener('click', onClick);
  elements.splashButton.addEventListener('click', () => actions.signIn());
  render();
  return {
    setAvailable(next) {
      available = next;
      render();
    },
    setSignedIn(next, name) {
      signedIn = next;
      displayName = next ? name : undefined;
      if (next) needsSignIn = false;
      render();
    },
    setNeedsSignIn(next) {
      needsSignIn = next;
      render();
    },
  };
}
