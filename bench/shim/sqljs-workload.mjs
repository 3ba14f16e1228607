// The timed workload of bench/shim/realworld.sh: sql.js (SQLite compiled to
// wasm by emscripten, from tests/realworld/node_modules) with its .wasm
// replaced by $WASM_PATH (tests/realworld/drivers/_swap.mjs), running a
// deterministic database workload much heavier than the test driver's
// (tests/realworld/drivers/sqljs.mjs): 40000 inserts in a transaction,
// indexes built over them, 4000 + 1000 indexed queries from JS, updates and
// deletes, aggregates, joins, a window function, an ORDER BY over every row
// read back from JS, and an export of the database.
//
//   WASM_PATH=sql-wasm.instr.wasm node [--import register.mjs] sqljs-workload.mjs [SCALE] [PASSES]
//
// SCALE (default 1) multiplies the row and query counts; PASSES (default 2)
// runs the workload that many times, each on a new database. Only the passes
// are timed (process.hrtime.bigint() around each): node's startup, compiling
// and instantiating the module, and SQLite's own start-up inside initSqlJs()
// are not, and neither is what a recorder does at process exit (register.mjs
// finishes its recorders and writes its files in an 'exit' handler). Spans
// that a recorder hands to its exporters while the workload runs (every
// batch of 512) are inside the timed region.
//
// Prints `result: CHECKSUM` on stdout per pass (a checksum of everything the
// queries returned: the same on every module and pass) and
// `workload: pass=K ns=N` on stderr; BENCH_HOOKS: see workload-common.mjs.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { swapWasm } from '../../tests/realworld/drivers/_swap.mjs';
import { installHooks, args, checksum, runPasses } from './workload-common.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../tests/realworld/package.json'));
const { scale, passes } = args('sqljs-workload.mjs');

swapWasm(require.resolve('sql.js/dist/sql-wasm.wasm'));
installHooks();
const initSqlJs = require('sql.js');
const SQL = await initSqlJs();

function workload() {
  const sum = checksum();
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) >>> 8);
  const nCustomers = Math.round(2000 * scale);
  const nOrders = Math.round(40000 * scale);
  const nLookups = Math.round(4000 * scale);
  const cities = ['Lyon', 'Oslo', 'Quito', 'Perth', 'Accra', 'Dhaka', 'Turin', 'Leeds', 'Cusco', 'Nara'];
  const items = ['apple', 'pear', 'plum', 'fig', 'kiwi', 'lime', 'date', 'yuzu', 'sloe', 'quince', 'grape', 'melon'];
  const db = new SQL.Database();
  db.run(`CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL, since INTEGER)`);
  db.run(`CREATE TABLE orders (id INTEGER PRIMARY KEY, customer INTEGER NOT NULL REFERENCES customers(id),
          item TEXT NOT NULL, qty INTEGER NOT NULL, price REAL NOT NULL, day INTEGER NOT NULL, note TEXT)`);

  // Inserts: prepared statements in one transaction.
  db.run('BEGIN');
  const addCustomer = db.prepare('INSERT INTO customers (id, name, city, since) VALUES (?, ?, ?, ?)');
  for (let i = 1; i <= nCustomers; i++) {
    addCustomer.run([i, `customer-${(rand() % 100000).toString(36)}-${i}`, cities[rand() % cities.length], 2000 + (rand() % 25)]);
  }
  addCustomer.free();
  const addOrder = db.prepare('INSERT INTO orders (customer, item, qty, price, day, note) VALUES (?, ?, ?, ?, ?, ?)');
  for (let i = 0; i < nOrders; i++) {
    addOrder.run([1 + (rand() % nCustomers), items[rand() % items.length], 1 + (rand() % 20),
      (rand() % 100000) / 100, rand() % 365, rand() % 7 === 0 ? `gift ${rand() % 1000}` : null]);
  }
  addOrder.free();
  db.run('COMMIT');

  // Indexes, built over the loaded tables (sorting inside SQLite).
  db.run('CREATE INDEX orders_customer ON orders(customer)');
  db.run('CREATE INDEX orders_item_day ON orders(item, day)');
  db.run('CREATE INDEX customers_city ON customers(city)');

  // Indexed point queries from JS: one bind/step/reset per lookup.
  const byCustomer = db.prepare('SELECT COUNT(*), SUM(qty), ROUND(SUM(qty * price), 2) FROM orders WHERE customer = ?');
  for (let i = 0; i < nLookups; i++) {
    byCustomer.bind([1 + (rand() % nCustomers)]);
    while (byCustomer.step()) for (const v of byCustomer.get()) sum.add(v);
    byCustomer.reset();
  }
  byCustomer.free();
  const byDay = db.prepare('SELECT day, qty FROM orders WHERE item = ? AND day BETWEEN ? AND ? ORDER BY qty DESC, id LIMIT 5');
  for (let i = 0; i < nLookups / 4; i++) {
    const d = rand() % 360;
    byDay.bind([items[rand() % items.length], d, d + 5]);
    while (byDay.step()) for (const v of byDay.get()) sum.add(v);
    byDay.reset();
  }
  byDay.free();

  // Updates and deletes through the indexes.
  db.run('BEGIN');
  db.run('UPDATE orders SET price = price * 1.1 WHERE day < 30');
  db.run(`UPDATE orders SET note = 'late' WHERE day > 350 AND note IS NULL`);
  db.run('DELETE FROM orders WHERE qty = 13 AND day % 3 = 0');
  db.run('COMMIT');

  const show = (sql) => {
    for (const { values } of db.exec(sql)) for (const row of values) for (const v of row) sum.add(v);
  };
  // Aggregates, a join, a window function, ORDER BY over every row.
  show(`SELECT item, COUNT(*), SUM(qty), ROUND(AVG(price), 4), MIN(price), MAX(price), COUNT(note)
        FROM orders GROUP BY item ORDER BY item`);
  show(`SELECT c.city, COUNT(DISTINCT c.id), COUNT(o.id), ROUND(SUM(o.qty * o.price), 2)
        FROM customers c JOIN orders o ON o.customer = c.id GROUP BY c.city ORDER BY 4 DESC`);
  show(`SELECT c.since, o.item, SUM(o.qty) FROM customers c JOIN orders o ON o.customer = c.id
        WHERE c.city IN ('Oslo', 'Nara', 'Perth') GROUP BY c.since, o.item HAVING SUM(o.qty) > 50
        ORDER BY c.since, o.item`);
  show(`SELECT customer, total, rank FROM (
          SELECT customer, SUM(qty * price) AS total, RANK() OVER (ORDER BY SUM(qty * price) DESC) AS rank
          FROM orders GROUP BY customer) WHERE rank <= 20 ORDER BY rank, customer`);
  show(`SELECT group_concat(name, ';') FROM (SELECT name FROM customers WHERE city = 'Lyon' ORDER BY name LIMIT 50)`);
  // ORDER BY over all rows on an expression (a sorter, no index), every row read from JS.
  const sorted = db.prepare('SELECT id, customer, qty * price AS amount FROM orders ORDER BY amount DESC, id');
  let rows = 0;
  while (sorted.step()) {
    const [id, customer, amount] = sorted.get();
    if (rows++ % 97 === 0) { sum.add(id); sum.add(customer); sum.add(amount); }
  }
  sorted.free();
  sum.add(rows);
  // A self-join on the (item, day) index.
  show(`SELECT a.day, COUNT(*) FROM orders a JOIN orders b ON b.item = a.item AND b.day = a.day AND b.id > a.id
        WHERE a.day < 8 GROUP BY a.day ORDER BY a.day`);
  const bytes = db.export();
  sum.add(bytes.length);
  db.close();
  return sum.value;
}

runPasses(workload, passes);
