import assert from 'node:assert/strict';
import { Encoder, PacketType, type Packet } from 'socket.io-parser';
import { BareFrameDecoder, goesBare } from '../src/bare-frames.js';
import { FrameKind } from '../src/frame-header.js';

/** A decoded packet, its arguments typed for reading. */
type Decoded = Omit<Packet, 'data'> & { data: unknown[] };

/** Feeds messages as a WebSocket would hand them over, returning every packet decoded. */
function decodeAll(messages: unknown[]): Decoded[] {
  const decoder = new BareFrameDecoder();
  const packets: Decoded[] = [];
  decoder.on('decoded', (packet) => packets.push(packet as Decoded));
  for (const message of messages) decoder.add(message);
  return packets;
}

describe('bare frames', () => {
  const delta = Uint8Array.of(FrameKind.Delta, 3, 0, 0, 9, 9);
  const sync = Uint8Array.of(FrameKind.Sync, 1, 0, 0);

  it('decodes a binary message outside a binary packet as the event its first byte names', () => {
    const packets = decodeAll([delta.buffer, sync.buffer]);
    assert.deepEqual(
      packets.map((packet) => [packet.type, packet.nsp, packet.data[0]]),
      [
        [PacketType.EVENT, '/', 'delta'],
        [PacketType.EVENT, '/', 'sync'],
      ],
    );
    assert.equal(packets[0]!.data[1], delta.buffer, 'the bytes are handed on as received');
    // Node's clients receive Buffers: a view works the same.
    assert.equal(decodeAll([Buffer.from(sync)])[0]!.data[0], 'sync');
  });

  it('leaves text packets and binary packets with attachments to Socket.IO, in order', () => {
    const encoder = new Encoder();
    const attachment = Buffer.from([FrameKind.Delta, 7, 7]);
    const [header, ...attachments] = encoder.encode({ type: PacketType.EVENT, nsp: '/', data: ['delta', attachment] }) as [string, ...Buffer[]];
    assert.match(header, /^51-/);
    const [text] = encoder.encode({ type: PacketType.EVENT, nsp: '/', data: ['welcome', { userId: 'u' }] }) as [string];
    const ack = encoder.encode({ type: PacketType.ACK, nsp: '/', id: 4, data: [{ ok: true }] }) as [string];
    const packets = decodeAll([text, header, ...attachments, delta, ack[0]]);
    assert.deepEqual(
      packets.map((packet) => packet.data[0]),
      ['welcome', 'delta', 'delta', { ok: true }],
    );
    // The attachment went to its packet, not read as a bare frame of its own.
    assert.deepEqual(Buffer.from(packets[1]!.data[1] as Uint8Array), attachment);
    assert.deepEqual(Buffer.from(packets[2]!.data[1] as Uint8Array), Buffer.from(delta));
  });

  it('refuses a bare frame of an unknown kind, or an empty one, as a malformed message', () => {
    assert.throws(() => decodeAll([Uint8Array.of(0x7f, 1, 2)]), /bare frame of unknown kind 127 \(3 bytes\)/);
    assert.throws(() => decodeAll([new ArrayBuffer(0)]), /bare frame of unknown kind none \(0 bytes\)/);
    assert.throws(() => decodeAll(['2oops']), Error, 'malformed text still fails as in Socket.IO');
  });

  it('lets a frame go bare only as the event its first byte names', () => {
    assert.equal(goesBare('delta', delta), true);
    assert.equal(goesBare('sync', delta), false);
    assert.equal(goesBare('sync', sync), true);
    assert.equal(goesBare('delta', new Uint8Array(0)), false);
    assert.equal(goesBare('resync', sync), false);
  });
});
