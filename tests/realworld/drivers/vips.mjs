// wasm-vips (libvips, C/C++ by emscripten with pthreads and wasm exception
// handling; the main module of a dynamic-linking build): build synthetic images,
// run a pipeline on the libvips thread pool, encode PNG and JPEG, and provoke
// libvips errors, which the C++ API throws as exceptions (wasm try/catch) and
// embind turns into JS errors.
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { swapWasm } from './_swap.mjs';

const require = createRequire(import.meta.url);
swapWasm(require.resolve('wasm-vips/vips.wasm'));
const Vips = (await import('wasm-vips')).default;

// No side modules (vips-jxl/heif/resvg.wasm): only vips.wasm is under test.
const vips = await Vips({ dynamicLibraries: [], print: () => {}, printErr: () => {} });
vips.concurrency(2);

const sha = (bytes) => createHash('sha256').update(bytes).digest('hex').slice(0, 16);
const stats = (im) => `${im.width}x${im.height}x${im.bands} ${im.format} avg=${im.avg().toFixed(4)} dev=${im.deviate().toFixed(4)} min=${im.min()} max=${im.max()}`;

const zone = vips.Image.zone(256, 256).multiply(255).cast('uchar');
const sines = vips.Image.sines(256, 256, { hfreq: 3, vfreq: 2 }).add(1).multiply(127.5).cast('uchar');
const rgb = zone.bandjoin([sines, vips.Image.grey(256, 256).multiply(255).cast('uchar')]);
console.log('rgb    ', stats(rgb));
const blurred = rgb.gaussblur(2.5);
console.log('blur   ', stats(blurred));
const small = blurred.resize(0.37, { kernel: 'lanczos3' });
console.log('resize ', stats(small));
const rotated = small.rotate(30, { background: [10, 20, 30] });
console.log('rotate ', stats(rotated));
const edges = rgb.colourspace('b-w').sobel();
console.log('sobel  ', stats(edges));
const hist = rgb.extractBand(0).histFind();
console.log('hist   ', stats(hist));
const png = small.writeToBuffer('.png', { compression: 6 });
console.log('png    ', png.length, sha(png));
const jpg = small.writeToBuffer('.jpg', { Q: 80, strip: true });
console.log('jpg    ', jpg.length, sha(jpg));
const back = vips.Image.newFromBuffer(png);
console.log('decoded', stats(back), 'equal', back.subtract(small).abs().max());
const thumb = vips.Image.thumbnailBuffer(png, 40).copyMemory();
const fromJpg = vips.Image.newFromBuffer(jpg, '', { access: 'sequential' }).copyMemory();
console.log('fromjpg', fromJpg.width, fromJpg.height, fromJpg.bands);
console.log('thumb  ', stats(thumb));

for (const [what, run] of [
  ['bad buffer', () => vips.Image.newFromBuffer(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))],
  ['bad crop', () => rgb.crop(200, 200, 100, 100)],
  ['bad format', () => rgb.writeToBuffer('.nosuchformat')],
]) {
  try {
    run();
    console.log(what, 'no error');
  } catch (e) {
    // embind rethrows vips::Error as a WebAssembly.Exception whose message is [type, text]
    const msg = Array.isArray(e.message) ? e.message.join(': ') : String(e.message);
    console.log(what, 'error:', msg.split('\n').slice(0, 2).join(' / '));
  }
}
vips.shutdown();
