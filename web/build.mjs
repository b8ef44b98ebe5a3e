// Builds the web map into dist/: the bundle, MapLibre's worker and stylesheet beside it,
// and the page. Run with `npm run build` (make web).
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';

for (const f of readdirSync('dist')) if (f !== '.gitkeep') rmSync(`dist/${f}`, { recursive: true });
mkdirSync('dist', { recursive: true });
await esbuild.build({
  entryPoints: ['src/main.js'],
  bundle: true,
  format: 'esm',
  minify: true,
  sourcemap: false,
  target: ['es2022'],
  outfile: 'dist/app.js',
});
const ml = 'node_modules/maplibre-gl/dist';
copyFileSync(`${ml}/maplibre-gl-worker.mjs`, 'dist/maplibre-gl-worker.mjs');
copyFileSync(`${ml}/maplibre-gl.css`, 'dist/maplibre-gl.css');
copyFileSync('src/index.html', 'dist/index.html');
copyFileSync('src/style.css', 'dist/style.css');
console.log('web: built dist/');
