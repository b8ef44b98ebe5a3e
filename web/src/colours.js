// The map's colours: colour-blind safe ramps for each layer, and the MapLibre expressions
// that draw them.

// Gi* bins: ColorBrewer RdBu, colour-blind safe; 0 (not significant) nearly transparent.
export const BIN_COLOURS = { 3: '#b2182b', 2: '#ef8a62', 1: '#fddbc7', 0: 'rgba(230,230,230,0.25)', '-1': '#d1e5f0', '-2': '#67a9cf', '-3': '#2166ac' };

export const BIN_LABELS = { 3: 'Hot spot, 99% confidence', 2: 'Hot spot, 95%', 1: 'Hot spot, 90%', 0: 'Not significant', '-1': 'Cold spot, 90%', '-2': 'Cold spot, 95%', '-3': 'Cold spot, 99% confidence' };

export const RAMP = ['#fff5eb', '#fdd0a2', '#fdae6b', '#fd8d3c', '#f16913', '#d94801', '#8c2d04'];

export const EMERGING = {
  'new hot spot': '#fee08b', 'consecutive hot spot': '#fdae61', 'intensifying hot spot': '#d73027', 'persistent hot spot': '#a50026',
  'diminishing hot spot': '#f46d43', 'sporadic hot spot': '#fdd49e', 'oscillating hot spot': '#e08214', 'historical hot spot': '#b35806',
  'new cold spot': '#c6dbef', 'consecutive cold spot': '#9ecae1', 'intensifying cold spot': '#2171b5', 'persistent cold spot': '#08306b',
  'diminishing cold spot': '#6baed6', 'sporadic cold spot': '#deebf7', 'oscillating cold spot': '#4292c6', 'historical cold spot': '#08519c',
};

// clusters and outliers (local Moran's I), in the usual LISA colours
export const OUTLIERS = {
  HH: ['#b2182b', 'High among high: a cluster'], HL: ['#f4a582', 'High among low: an outlier'],
  LH: ['#92c5de', 'Low among high: a gap'], LL: ['#2166ac', 'Low among low'],
};

// change: at most -5, -4..-2, -1, 0, +1, +2..+4, at least +5
export const CHANGE = { breaks: [-4.5, -1.5, -0.5, 0.5, 1.5, 4.5], colours: ['#2166ac', '#67a9cf', '#d1e5f0', 'rgba(240,240,240,0.3)', '#fddbc7', '#ef8a62', '#b2182b'] };

export function binColour() {
  const e = ['match', ['coalesce', ['get', 'bin'], 0]];
  for (const b of [3, 2, 1, -1, -2, -3]) e.push(b, BIN_COLOURS[b]);
  e.push(BIN_COLOURS[0]);
  return e;
}

// classColour colours a tile's cells by value_class, the class of their value in the
// layer's breaks (the summary's value_breaks, drawn in the legend). The style stays the same
// when the breaks change, so a new layer costs only its own tiles.
export function classColour() {
  const e = ['match', ['coalesce', ['get', 'value_class'], 0]];
  RAMP.slice(1).forEach((c, i) => e.push(i + 1, c));
  e.push(RAMP[0]);
  return e;
}

export function emergingColour() {
  const e = ['match', ['get', 'category']];
  for (const [k, c] of Object.entries(EMERGING)) e.push(k, c);
  e.push('rgba(230,230,230,0.2)');
  return e;
}

export function outlierColour() {
  const e = ['match', ['coalesce', ['get', 'type'], '']];
  for (const [k, [c]] of Object.entries(OUTLIERS)) e.push(k, c);
  e.push('rgba(230,230,230,0.2)');
  return e;
}

export function changeColour() {
  const e = ['step', ['coalesce', ['get', 'change'], 0], CHANGE.colours[0]];
  CHANGE.breaks.forEach((b, i) => e.push(b, CHANGE.colours[i + 1]));
  return e;
}
