// Small inline SVG charts: a sparkline of a cell's months and a planner's coverage curve.

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

// sparkline draws values as a line with its first and last labels.
export function sparkline(values, labels, { width = 280, height = 56, title = '' } = {}) {
  if (!values.length) return '<p class="muted">No months in the period.</p>';
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? (width - 8) / (values.length - 1) : 0;
  const pts = values.map((v, i) => `${(4 + i * step).toFixed(1)},${(height - 16 - (v / max) * (height - 24)).toFixed(1)}`);
  const dots = values.map((v, i) => `<circle cx="${(4 + i * step).toFixed(1)}" cy="${(height - 16 - (v / max) * (height - 24)).toFixed(1)}" r="2"><title>${esc(labels[i])}: ${v}</title></circle>`).join('');
  return `<svg class="spark" role="img" aria-label="${esc(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<polyline fill="none" stroke="#b2182b" stroke-width="1.5" points="${pts.join(' ')}"/>${dots}
<text x="2" y="${height - 2}" font-size="10">${esc(labels[0])}</text>
<text x="${width - 2}" y="${height - 2}" font-size="10" text-anchor="end">${esc(labels[labels.length - 1])}</text>
<text x="${width - 2}" y="10" font-size="10" text-anchor="end">max ${max}</text></svg>`;
}

// curve draws a planner's coverage share against k.
export function curve(points, { width = 270, height = 140 } = {}) {
  if (!points.length) return '';
  const maxK = points[points.length - 1].k;
  const maxS = Math.max(0.01, ...points.map((p) => p.share));
  const x = (k) => 34 + ((k - 1) / Math.max(1, maxK - 1)) * (width - 44);
  const y = (s) => height - 22 - (s / maxS) * (height - 34);
  const line = points.map((p) => `${x(p.k).toFixed(1)},${y(p.share).toFixed(1)}`).join(' ');
  const pct = (s) => `${(s * 100).toFixed(s < 0.1 ? 1 : 0)}%`;
  return `<svg class="curve" role="img" aria-label="Coverage against the number of cameras" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<line x1="34" y1="${height - 22}" x2="${width - 6}" y2="${height - 22}" stroke="#888"/><line x1="34" y1="8" x2="34" y2="${height - 22}" stroke="#888"/>
<polyline fill="none" stroke="#1b5e20" stroke-width="2" points="${line}"/>
<text x="30" y="${y(maxS) + 4}" font-size="10" text-anchor="end">${pct(maxS)}</text>
<text x="30" y="${height - 20}" font-size="10" text-anchor="end">0</text>
<text x="34" y="${height - 8}" font-size="10">1</text>
<text x="${width - 6}" y="${height - 8}" font-size="10" text-anchor="end">${maxK} cameras</text></svg>`;
}

export { esc };
