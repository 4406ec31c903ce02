import assert from 'node:assert/strict';
import { CHALLENGE_PATH, ErrorCode, type ChallengeSettings, type PlaceResult, type ProofResult } from '@tessera/protocol';
import { createChallenge, randomInt, solveChallenge, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { waitFor } from '../../test-support/index.js';
import { readChallengeSettings } from '../src/challenge/challenge-settings.js';
import { EnvReader } from '@tessera/runtime';
import { ADMIN_ENV, adminClient, OpenApiChecker, startJwks } from './support/admin-harness.js';
import { useGateways, type Player, type RunningGateway } from './support/gateway-harness.js';

const HMAC_KEY = 'challenge-test-key-of-at-least-32-characters';
/** The least difficulty: each solve is a few thousand SHA-256 at most. */
const CHALLENGE_ENV = { CHALLENGE_HMAC_KEY: HMAC_KEY, CHALLENGE_MAX_NUMBER: '1000' };
const keySignatureKey = readChallengeSettings(new EnvReader({ CHALLENGE_HMAC_KEY: HMAC_KEY }), undefined).keySignatureKey;

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64');

async function fetchChallenge(url: string): Promise<Challenge> {
  const response = await fetch(`${url}${CHALLENGE_PATH}`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  return (await response.json()) as Challenge;
}

/** Solves a challenge as the widget does (altcha-lib's own solver) and encodes the widget's payload. */
async function solved(challenge: Challenge): Promise<string> {
  const solution = await solveChallenge({ challenge, deriveKey });
  assert.ok(solution);
  return encode({ challenge, solution });
}
const solve = async (url: string): Promise<string> => solved(await fetchChallenge(url));

/** A challenge signed with the gateway's own key but made otherwise than it makes them. */
const signedOtherwise = (overrides: Partial<Parameters<typeof createChallenge>[0]>) =>
  createChallenge({
    algorithm: 'SHA-256',
    cost: 1,
    counter: randomInt(0, 500),
    deriveKey,
    expiresAt: new Date(Date.now() + 60_000),
    hmacSignatureSecret: HMAC_KEY,
    hmacKeySignatureSecret: keySignatureKey,
    ...overrides,
  });

describe('the proof-of-work challenge', function () {
  this.timeout(30_000);
  // Gateways a `before` hook starts serve several tests: they close when the suite ends.
  const suite = useGateways({ servers: 'after' });
  let canvasCounter = 0;

  /** Two gateways of one canvas (so a replay can be tried across them), and the admin API of the first. */
  async function canvas(env: Record<string, string> = {}) {
    const canvasId = `pow${++canvasCounter}`;
    const base = { ...ADMIN_ENV, ...CHALLENGE_ENV, CANVAS_ID: canvasId, CANVAS_COOLDOWN_MS: '0', ...env };
    const first = await suite.startGateway(base);
    const second = await suite.startGateway(base);
    const api = adminClient(first.url, await OpenApiChecker.fetch(first.url));
    const setChallenge = async (settings: ChallengeSettings) => {
      const answer = await api('PUT', '/challenge', settings);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.deepEqual((answer.body as { config: { challenge: unknown } }).config.challenge, settings);
    };
    return { canvasId, first, second, setChallenge };
  }
  async function join(gateway: RunningGateway, auth: Record<string, unknown> = {}): Promise<Player> {
    return suite.connect(gateway, auth);
  }
  /** The error code a handshake is refused with. */
  async function refusal(gateway: RunningGateway, auth: Record<string, unknown>): Promise<string> {
    const error = await join(gateway, auth).then(
      () => undefined,
      (err: unknown) => (err as Error).message,
    );
    assert.ok(error, 'the handshake was accepted');
    return error;
  }
  const place = (player: Player, x = 1, y = 1): Promise<PlaceResult> => player.socket.timeout(5000).emitWithAck('place', { x, y, color: 3 });
  const prove = (player: Player, payload: unknown): Promise<ProofResult> => player.socket.timeout(5000).emitWithAck('proof', payload);

  it('is off unless an admin sets it: players connect and place without solving anything', async () => {
    const { first } = await canvas();
    const player = await join(first);
    assert.deepEqual(player.welcome.config.challenge, { mode: 'off', at: 'handshake' });
    assert.equal((await place(player)).ok, true);
    // Challenges are still issued (the widget may fetch one before it learns the mode).
    const challenge = await fetchChallenge(first.url);
    assert.equal(challenge.parameters.algorithm, 'SHA-256');
    assert.match(challenge.signature ?? '', /^[0-9a-f]{64}$/);
  });

  it('in the handshake, for everyone: refuses a handshake without a solution and accepts one solved', async () => {
    const { first, setChallenge } = await canvas();
    await setChallenge({ mode: 'everyone', at: 'handshake' });
    assert.equal(await refusal(first, {}), ErrorCode.ChallengeRequired);
    const player = await join(first, { altcha: await solve(first.url) });
    assert.equal((await place(player)).ok, true);
    assert.equal((await place(player, 2, 2)).ok, true, 'one solution covers the whole connection');
  });

  it('accepts a solution once across every gateway: a replay on another gateway is refused', async () => {
    const { first, second, setChallenge } = await canvas();
    await setChallenge({ mode: 'everyone', at: 'handshake' });
    const payload = await solve(first.url);
    await join(first, { altcha: payload });
    assert.equal(await refusal(second, { altcha: payload }), ErrorCode.ChallengeReplayed);
    assert.equal(await refusal(first, { altcha: payload }), ErrorCode.ChallengeReplayed);
    // A solution of a challenge issued by the other gateway is good here: they share the key.
    await join(second, { altcha: await solve(first.url) });
  });

  it('for guests only: signed-in players connect without solving, guests must solve', async () => {
    const jwks = await startJwks();
    try {
      const { first, setChallenge } = await canvas({ AUTH_JWKS_URL: jwks.url, AUTH_JWT_ISSUER: 'https://issuer.test', AUTH_JWT_AUDIENCE: 'tessera' });
      await setChallenge({ mode: 'guests', at: 'handshake' });
      const account = await join(first, { idToken: await jwks.sign({ sub: 'ada' }) });
      assert.equal((await place(account)).ok, true);
      assert.equal(await refusal(first, {}), ErrorCode.ChallengeRequired);
      const guest = await join(first, { altcha: await solve(first.url) });
      assert.equal((await place(guest, 3, 3)).ok, true);
      // A returning guest (its session token) is still a guest.
      assert.equal(await refusal(first, { token: guest.welcome.sessionToken }), ErrorCode.ChallengeRequired);
    } finally {
      await jwks.close();
    }
  });

  it('per placement: every accepted placement costs one proof, and a refused one keeps it', async () => {
    const { first, second, setChallenge } = await canvas({ CANVAS_WIDTH: '100', CANVAS_HEIGHT: '100' });
    await setChallenge({ mode: 'everyone', at: 'placement' });
    const player = await join(first); // no solution needed to connect and watch
    assert.deepEqual(await place(player), { ok: false, error: ErrorCode.ChallengeRequired });
    const payload = await solve(first.url);
    assert.deepEqual(await prove(player, payload), { ok: true });
    assert.deepEqual(await place(player, 500, 1), { ok: false, error: ErrorCode.OutOfBounds });
    assert.equal((await place(player)).ok, true, 'the refused placement kept the credit');
    assert.deepEqual(await place(player, 2, 2), { ok: false, error: ErrorCode.ChallengeRequired });
    // The same solution on another socket, on another gateway: refused.
    const other = await join(second);
    assert.deepEqual(await prove(other, payload), { ok: false, error: ErrorCode.ChallengeReplayed });
    assert.deepEqual(await place(other), { ok: false, error: ErrorCode.ChallengeRequired });
    // Credits do not bank: two proofs pay for one placement.
    assert.deepEqual(await prove(other, await solve(second.url)), { ok: true });
    assert.deepEqual(await prove(other, await solve(second.url)), { ok: true });
    assert.equal((await place(other, 4, 4)).ok, true);
    assert.deepEqual(await place(other, 5, 5), { ok: false, error: ErrorCode.ChallengeRequired });
  });

  it('switches live: connected players are asked at their next placement, and again when they reconnect', async () => {
    const { first, second, setChallenge } = await canvas();
    const onFirst = await join(first);
    const onSecond = await join(second);
    assert.equal((await place(onSecond)).ok, true);
    await setChallenge({ mode: 'everyone', at: 'handshake' });
    // The other gateway follows the change without a restart (its cached config is dropped).
    await waitFor(async () => !(await place(onSecond, 2, 2)).ok, { message: 'the second gateway asks for a solution' });
    assert.deepEqual(await place(onFirst, 2, 2), { ok: false, error: ErrorCode.ChallengeRequired });
    // A socket that connected before the switch pays with a proof, once for the connection.
    assert.deepEqual(await prove(onSecond, await solve(second.url)), { ok: true });
    assert.equal((await place(onSecond, 3, 3)).ok, true);
    assert.equal((await place(onSecond, 4, 4)).ok, true);
    // Reconnecting needs a new solution in the handshake.
    assert.equal(await refusal(second, { token: onSecond.welcome.sessionToken }), ErrorCode.ChallengeRequired);
    await setChallenge({ mode: 'off', at: 'handshake' });
    await waitFor(async () => (await place(onFirst, 5, 5)).ok, { message: 'placing without a solution again' });
    await join(second, { token: onSecond.welcome.sessionToken });
  });

  describe('refuses bad solutions with a clear code', () => {
    let gateway: RunningGateway;
    let player: Player;
    let setChallenge: (settings: ChallengeSettings) => Promise<void>;
    before(async () => {
      // Room in the bucket for every refusal below (each costs a proof and a place).
      const running = await canvas({ PLACE_BURST: '60' });
      setChallenge = running.setChallenge;
      await setChallenge({ mode: 'everyone', at: 'placement' });
      gateway = running.first;
    });
    beforeEach(async () => {
      player = await join(gateway);
    });
    const refusedWith = async (payload: unknown, code: string): Promise<void> => {
      assert.deepEqual(await prove(player, payload), { ok: false, error: code });
      assert.deepEqual(await place(player), { ok: false, error: ErrorCode.ChallengeRequired }, 'a refused proof pays for nothing');
    };

    it('forged: a tampered signature, a tampered parameter, a wrong solution, another key', async () => {
      const challenge = await fetchChallenge(gateway.url);
      const solution = await solveChallenge({ challenge, deriveKey });
      assert.ok(solution);
      const flipped = `${challenge.signature!.slice(0, -1)}${challenge.signature!.endsWith('0') ? '1' : '0'}`;
      await refusedWith(encode({ challenge: { ...challenge, signature: flipped }, solution }), ErrorCode.ChallengeForged);
      await refusedWith(encode({ challenge: { ...challenge, parameters: { ...challenge.parameters, keyPrefix: '00' } }, solution }), ErrorCode.ChallengeForged);
      await refusedWith(encode({ challenge, solution: { counter: solution.counter + 1, derivedKey: '00'.repeat(32) } }), ErrorCode.ChallengeForged);
      const foreign = await createChallenge({
        algorithm: 'SHA-256',
        cost: 1,
        counter: 10,
        deriveKey,
        expiresAt: new Date(Date.now() + 60_000),
        hmacSignatureSecret: 'x'.repeat(40),
        hmacKeySignatureSecret: 'y'.repeat(40),
      });
      await refusedWith(await solved(foreign), ErrorCode.ChallengeForged);
      // Signed with our key but without a key signature (non-deterministic): not one we issue.
      const unsignedKey = await createChallenge({
        algorithm: 'SHA-256',
        cost: 1,
        deriveKey,
        keyPrefix: '0',
        expiresAt: new Date(Date.now() + 60_000),
        hmacSignatureSecret: HMAC_KEY,
      });
      await refusedWith(await solved(unsignedKey), ErrorCode.ChallengeForged);
      // The genuine solution was not spent by those attempts.
      assert.deepEqual(await prove(player, encode({ challenge, solution })), { ok: true });
    });

    it('expired: a challenge past its expiry, even when signed and solved', async () => {
      const old = await signedOtherwise({ expiresAt: Math.floor(Date.now() / 1000) - 5 });
      await refusedWith(await solved(old), ErrorCode.ChallengeExpired);
    });

    it('the wrong algorithm or cost, even when signed with our key', async () => {
      await refusedWith(await solved(await signedOtherwise({ algorithm: 'SHA-512' })), ErrorCode.ChallengeAlgorithm);
      await refusedWith(await solved(await signedOtherwise({ cost: 2 })), ErrorCode.ChallengeAlgorithm);
    });

    it('malformed: not base64, not JSON, the wrong shape or type, no signature', async () => {
      const challenge = await fetchChallenge(gateway.url);
      const solution = await solveChallenge({ challenge, deriveKey });
      for (const payload of [
        'not base64!',
        '',
        Buffer.from('{"challenge":').toString('base64'),
        encode([1, 2, 3]),
        encode({ challenge }),
        encode({ challenge: { parameters: challenge.parameters }, solution }),
        encode({ challenge: { ...challenge, parameters: { ...challenge.parameters, nonce: '../../x' } }, solution }),
        encode({ challenge, solution: { ...solution, counter: -1 } }),
        encode({ challenge, solution: { ...solution, counter: '7' } }),
        42,
        { challenge, solution },
        null,
      ]) {
        await refusedWith(payload, ErrorCode.ChallengeMalformed);
      }
    });

    it('oversized, in a proof and in a handshake; a flood of proofs disconnects', async () => {
      await refusedWith('A'.repeat(3_000), ErrorCode.PayloadTooLarge);
      await refusedWith('A'.repeat(2_100), ErrorCode.PayloadTooLarge);
      // Proofs draw on the placement bucket: a socket that floods them is cut off.
      const flooder = await join(gateway);
      const kicked = new Promise((resolve) => flooder.socket.once('kicked', resolve));
      for (let i = 0; i < 300; i++) flooder.socket.emit('proof', 'x', () => undefined);
      assert.equal(await kicked, ErrorCode.RateLimited);
      await setChallenge({ mode: 'everyone', at: 'handshake' });
      assert.equal(await refusal(gateway, { altcha: 'A'.repeat(2_100) }), ErrorCode.PayloadTooLarge);
    });
  });
});
