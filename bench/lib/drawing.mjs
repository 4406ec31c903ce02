// Where the bench's placers put pixels. `random`: every pixel anywhere, any colour (the worst case
// for a delta's size: positions and colours carry their full entropy). `drawing`: what players do
// on a live canvas: each placer fills a rectangle (an artwork of 8–40 px a side) row by row in a
// few colours, then moves on somewhere else; several placers draw at once in different places.

/**
 * @param {'random' | 'drawing'} pattern
 * @param {{ width: number, height: number, colors: number }} canvas colours 1..colors-1 are drawn
 * @returns {(placer: number) => { x: number, y: number, color: number }}
 */
export function placementPattern(pattern, { width, height, colors }) {
  if (pattern === 'random') {
    return () => ({ x: (Math.random() * width) | 0, y: (Math.random() * height) | 0, color: 1 + ((Math.random() * (colors - 1)) | 0) });
  }
  /** @type {Map<number, { x0: number, y0: number, w: number, h: number, i: number, color: number }>} */
  const brushes = new Map();
  const newArtwork = () => {
    const w = 8 + ((Math.random() * 33) | 0);
    const h = 8 + ((Math.random() * 33) | 0);
    return { x0: (Math.random() * (width - w)) | 0, y0: (Math.random() * (height - h)) | 0, w, h, i: 0, color: 1 + ((Math.random() * (colors - 1)) | 0) };
  };
  return (placer) => {
    let brush = brushes.get(placer);
    if (!brush || brush.i >= brush.w * brush.h) brushes.set(placer, (brush = newArtwork()));
    // A border or a stripe now and then: a second colour for a run of pixels.
    if (Math.random() < 0.05) brush.color = 1 + ((Math.random() * (colors - 1)) | 0);
    const x = brush.x0 + (brush.i % brush.w);
    const y = brush.y0 + Math.floor(brush.i / brush.w);
    brush.i++;
    return { x, y, color: brush.color };
  };
}

const randomPixel = placementPattern('random', { width: 1000, height: 1000, colors: 32 });

/**
 * A guest's placement (IP cooldown on, from 127.0.0.1) at a random pixel of a 1000 × 1000 canvas of
 * 32 colours: what the benches that drive placers or the placement script directly send.
 * @param {string} userId @returns {import('@tessera/store').PlacementRequest}
 */
export function randomGuestPlacement(userId) {
  return { ...randomPixel(0), userId, ip: '127.0.0.1', applyIpCooldown: true };
}
