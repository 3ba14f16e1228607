// The benchmark's JavaScript workload, built into a StarlingMonkey component
// by componentize-js: JSON, regular expressions, sorting and string work on
// generated records, timed inside the component (performance.now), repeated.
function records(n, seed) {
  const out = [];
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.push({ id: i, name: `user-${x % 9973}`, score: x % 1000, tags: ['a', 'b', 'c'].slice(0, 1 + (x % 3)) });
  }
  return out;
}

function pass(n) {
  const data = records(n, 42);
  const text = JSON.stringify(data);
  const back = JSON.parse(text);
  back.sort((a, b) => a.score - b.score || a.id - b.id);
  let matches = 0;
  const re = /user-(\d+)7\b/;
  for (const r of back) if (re.test(r.name)) matches++;
  const words = new Map();
  for (const r of back) for (const t of r.tags) words.set(t, (words.get(t) || 0) + 1);
  return matches + words.get('a') + back[0].score;
}

export const run = {
  run() {
    let check = 0;
    pass(100); // warm up
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) check += pass(1000);
    const t1 = performance.now();
    console.log(`check ${check} elapsed_ms ${(t1 - t0).toFixed(1)}`);
  },
};
