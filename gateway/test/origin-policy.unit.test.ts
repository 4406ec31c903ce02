import assert from 'node:assert/strict';
import { canonicalOrigin, createOriginPolicy } from '../src/origin-policy.js';

describe('the origin policy', () => {
  const policy = createOriginPolicy(['https://friend.example', 'http://localhost:5173']);

  it('lets a client without an Origin header through (not a browser)', () => {
    assert.equal(policy.allows(undefined, 'canvas.example'), true);
  });

  it("allows the gateway's own origin, whatever the scheme a proxy terminated", () => {
    assert.equal(policy.allows('https://canvas.example', 'canvas.example'), true);
    assert.equal(policy.allows('http://canvas.example', 'canvas.example'), true);
    assert.equal(policy.allows('https://Canvas.Example', 'canvas.example'), true);
    assert.equal(policy.allows('https://canvas.example', 'canvas.example:443'), true);
    assert.equal(policy.allows('http://127.0.0.1:8080', '127.0.0.1:8080'), true);
    assert.equal(policy.allows('http://[::1]:8080', '[::1]:8080'), true);
  });

  it('refuses another port, another host, and a host that only ends like ours', () => {
    assert.equal(policy.allows('http://127.0.0.1:8081', '127.0.0.1:8080'), false);
    assert.equal(policy.allows('https://evil.example', 'canvas.example'), false);
    assert.equal(policy.allows('https://canvas.example.evil.example', 'canvas.example'), false);
    assert.equal(policy.allows('https://evil.example', undefined), false);
    assert.equal(policy.allows('https://evil.example', 'evil.example/x'), false);
  });

  it('allows the configured origins exactly', () => {
    assert.equal(policy.allows('https://friend.example', 'canvas.example'), true);
    assert.equal(policy.allows('https://friend.example:443', 'canvas.example'), true);
    assert.equal(policy.allows('http://friend.example', 'canvas.example'), false);
    assert.equal(policy.allows('http://localhost:5173', 'canvas.example'), true);
    assert.equal(policy.allows('http://localhost:5174', 'canvas.example'), false);
  });

  it('refuses opaque and malformed origins', () => {
    for (const origin of [
      'null',
      '',
      'file://',
      'https://friend.example/path',
      'https://user@friend.example',
      'javascript:alert(1)',
      'friend.example',
      'https://friend.example?x',
    ]) {
      assert.equal(policy.allows(origin, 'canvas.example'), false, origin);
    }
  });

  it('allows any origin with *', () => {
    const any = createOriginPolicy(['*']);
    assert.equal(any.anyOrigin, true);
    assert.equal(any.allows('https://anyone.example', 'canvas.example'), true);
    assert.equal(any.allows('null', 'canvas.example'), false);
  });

  it('canonicalises origins as browsers send them', () => {
    assert.equal(canonicalOrigin('https://Friend.Example:443'), 'https://friend.example');
    assert.equal(canonicalOrigin('https://friend.example/'), 'https://friend.example');
    assert.equal(canonicalOrigin('ftp://friend.example'), undefined);
  });
});
