/** A bar per minute of a user's placements: a bot shows as a flat, full wall; a player as bursts. */
export function placementsPlot(perMinute: readonly { readonly minute: number; readonly count: number }[]): SVGSVGElement {
  const svgNs = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(svgNs, 'svg');
  svg.classList.add('placements-plot');
  svg.setAttribute('role', 'img');
  const total = perMinute.reduce((sum, point) => sum + point.count, 0);
  const peak = perMinute.reduce((max, point) => Math.max(max, point.count), 0);
  if (perMinute.length === 0) {
    svg.setAttribute('aria-label', 'No placements in the period shown');
    return svg;
  }
  // Minutes without placements may be missing from the list: lay the bars out by time, not by index.
  const first = perMinute[0]!.minute;
  const last = perMinute[perMinute.length - 1]!.minute;
  const span = Math.max(1, Math.round((last - first) / 60_000) + 1);
  const width = Math.max(span, 60);
  const height = 40;
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  const minutes = Math.round((last - first) / 60_000) + 1;
  svg.setAttribute('aria-label', `${total} placements over ${minutes} minute(s) from ${new Date(first).toLocaleString()}, at most ${peak} in one minute`);
  for (const point of perMinute) {
    const bar = document.createElementNS(svgNs, 'rect');
    const barHeight = peak === 0 ? 0 : Math.max(1, (point.count / peak) * height);
    bar.setAttribute('x', String(Math.round((point.minute - first) / 60_000) + (width - span)));
    bar.setAttribute('y', String(height - barHeight));
    bar.setAttribute('width', '1');
    bar.setAttribute('height', String(barHeight));
    const tip = document.createElementNS(svgNs, 'title');
    tip.textContent = `${new Date(point.minute).toLocaleTimeString()}: ${point.count}`;
    bar.append(tip);
    svg.append(bar);
  }
  return svg;
}
