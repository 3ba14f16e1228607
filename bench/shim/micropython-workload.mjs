// The interpreter workload of the benchmarks: MicroPython (a Python 3
// interpreter in C, compiled to wasm by emscripten; the npm package
// @micropython/micropython-webassembly-pyscript, bench/shim/package.json,
// installed by bench/shim/fetch.sh) with its .wasm replaced by $WASM_PATH
// (tests/realworld/drivers/_swap.mjs), running a deterministic Python
// program: an interpreter's hot path is millions of calls to small functions
// (bytecode dispatch, attribute and dict lookups, allocation), the case
// muting and `--production` exist for. Recursion, a class with methods,
// dicts and sets, string formatting and splitting, sorting with a key,
// generators and a closure.
//
//   WASM_PATH=micropython.instr.wasm node [--import register.mjs] micropython-workload.mjs [SCALE] [PASSES]
//
// As sqljs-workload.mjs: only the passes are timed (not loading the
// interpreter); `result:` lines on stdout, `workload: pass=K ns=N` on stderr;
// BENCH_HOOKS: see workload-common.mjs.
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { swapWasm } from '../../tests/realworld/drivers/_swap.mjs';
import { installHooks, args, checksum, runPasses } from './workload-common.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { scale, passes } = args('micropython-workload.mjs');

// By path: the package is ESM only and its exports map names only its .mjs.
const entry = path.join(here, 'node_modules', '@micropython', 'micropython-webassembly-pyscript', 'micropython.mjs');
swapWasm(path.join(path.dirname(entry), 'micropython.wasm'));
installHooks();
const { loadMicroPython } = await import(pathToFileURL(entry).href);

let printed = [];
const mp = await loadMicroPython({ stdout: (line) => printed.push(line), heapsize: 64 * 1024 * 1024 });

const n = Math.max(1, Math.round(scale * 20000));
const program = `
def fib(k):
    return k if k < 2 else fib(k - 1) + fib(k - 2)

class Account:
    def __init__(self, owner, balance):
        self.owner = owner
        self.balance = balance
    def deposit(self, amount):
        self.balance += amount
        return self.balance
    def key(self):
        return (self.balance % 1000, self.owner)

def words(count):
    seed = 12345
    for i in range(count):
        seed = (seed * 1103515245 + 12345) % 2147483648
        yield 'w%d' % (seed % 797)

def counter():
    total = [0]
    def add(v):
        total[0] += v
        return total[0]
    return add

N = ${n}
print(fib(18 + int(N > 10000)))
accounts = [Account('a%d' % i, i * 7) for i in range(N // 20)]
for i in range(N):
    accounts[i % len(accounts)].deposit(i % 13)
accounts.sort(key=Account.key)
print(accounts[0].owner, accounts[-1].owner, sum(a.balance for a in accounts))
freq = {}
for w in words(N):
    freq[w] = freq.get(w, 0) + 1
print(len(freq), max(freq.values()))
text = ' '.join('%s=%d' % (k, v) for k, v in sorted(freq.items()))
parts = text.split(' ')
print(len(parts), len(set(p.split('=')[0] for p in parts)))
add = counter()
for i in range(N):
    add(i & 255)
print(add(0))
`;

function workload() {
  const sum = checksum();
  printed = [];
  mp.runPython(program);
  for (const line of printed) sum.add(line);
  sum.add(printed.length);
  return sum.value;
}

runPasses(workload, passes);
