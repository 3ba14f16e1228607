// A JavaScript command component for the tests: built with componentize-js
// into a StarlingMonkey component (the JS engine compiled to wasm, ~10 MB).
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

export const run = {
  run() {
    const words = 'the quick brown fox jumps over the lazy dog the end'.split(' ');
    const counts = new Map();
    for (const w of words) counts.set(w, (counts.get(w) || 0) + 1);
    console.log('fib', fib(20), 'words', counts.size, 'the', counts.get('the'));
  },
};
