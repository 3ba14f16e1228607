// MicroPython (a Python interpreter, emscripten): a program whose exceptions
// are longjmps. The emscripten port raises through nlr_push/nlr_jump, which is
// setjmp/longjmp; emscripten compiles a call that can longjmp into a call
// through a JS `invoke_*` trampoline, and longjmp into a JS exception thrown
// by `_emscripten_throw_longjmp` and caught by the trampoline. Every raise
// below therefore cuts through instrumented frames that never run their exit
// (what the repair wrappers and the unwind hook are for).
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { swapWasm } from './_swap.mjs';

const require = createRequire(import.meta.url);
// By path: the package is ESM only and its exports map names only its .mjs.
const dir = path.dirname(require.resolve('@micropython/micropython-webassembly-pyscript/package.json'));
swapWasm(path.join(dir, 'micropython.wasm'));
const { loadMicroPython } = await import(pathToFileURL(path.join(dir, 'micropython.mjs')).href);

const mp = await loadMicroPython({ stdout: (line) => console.log(line), heapsize: 8 * 1024 * 1024 });
mp.runPython(`
class Invalid(Exception):
    pass

def check(v, depth):
    if depth > 0:
        return check(v, depth - 1) + 1
    if v % 7 == 3:
        raise Invalid('bad %d' % v)
    return v

def parse(words):
    total, bad = 0, 0
    for i, w in enumerate(words):
        try:
            total += check(int(w), i % 5)
        except ValueError:
            bad += 1
        except Invalid as e:
            bad += 10
    return total, bad

words = [str(i) if i % 11 else 'x%d' % i for i in range(400)]
print(parse(words))
d = {}
misses = 0
for i in range(300):
    try:
        d[i % 17] += 1
    except KeyError:
        d[i % 17] = 1
        misses += 1
print(misses, sorted(d.items())[:3])
def gen(n):
    for i in range(n):
        yield i * i
print(sum(gen(1000)), list(map(lambda x: x + 1, range(5))))
try:
    [][1]
except IndexError as e:
    print('IndexError', e)
`);
try {
  mp.runPython('raise RuntimeError("to JS")');
} catch (e) {
  console.log('from Python:', String(e.message ?? e).split('\n').filter(Boolean).pop());
}
