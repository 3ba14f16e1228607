// sql.js (SQLite compiled to wasm by emscripten): create a table, insert rows,
// query with aggregation, and exercise an SQL error (a C-side failure path).
import { createRequire } from 'node:module';
import { swapWasm } from './_swap.mjs';

const require = createRequire(import.meta.url);
swapWasm(require.resolve('sql.js/dist/sql-wasm.wasm'));
const initSqlJs = require('sql.js');

const SQL = await initSqlJs();
const db = new SQL.Database();
db.run(`CREATE TABLE sales (id INTEGER PRIMARY KEY, region TEXT NOT NULL, item TEXT, qty INTEGER, price REAL)`);
db.run(`CREATE INDEX sales_region ON sales(region)`);
const regions = ['north', 'south', 'east', 'west'];
const items = ['apple', 'pear', 'plum', 'fig', 'kiwi'];
const insert = db.prepare('INSERT INTO sales (region, item, qty, price) VALUES (?, ?, ?, ?)');
db.run('BEGIN');
let seed = 12345;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) >>> 16);
for (let i = 0; i < 2000; i++) {
  insert.run([regions[rand() % 4], items[rand() % 5], 1 + (rand() % 20), (rand() % 1000) / 100]);
}
insert.free();
db.run('COMMIT');

const show = (sql, on = db) => {
  for (const { columns, values } of on.exec(sql)) {
    console.log(columns.join('\t'));
    for (const row of values) console.log(row.map((v) => (typeof v === 'number' ? +v.toFixed(4) : v)).join('\t'));
  }
};
show(`SELECT region, COUNT(*) AS n, SUM(qty) AS units, ROUND(SUM(qty * price), 2) AS revenue
      FROM sales GROUP BY region ORDER BY region`);
show(`SELECT item, AVG(price) AS avg_price, MAX(qty) AS max_qty FROM sales
      WHERE region IN ('north', 'east') GROUP BY item HAVING COUNT(*) > 10 ORDER BY avg_price DESC`);
show(`WITH RECURSIVE fib(n, a, b) AS (SELECT 1, 0, 1 UNION ALL SELECT n + 1, b, a + b FROM fib WHERE n < 30)
      SELECT n, a FROM fib WHERE n % 10 = 0`);
show(`SELECT group_concat(item, ',') FROM (SELECT DISTINCT item FROM sales ORDER BY item)`);
try {
  db.run('SELECT * FROM no_such_table');
} catch (e) {
  console.log('error:', e.message);
}
const bytes = db.export();
console.log('exported', bytes.length > 0 ? 'ok' : 'empty');
const db2 = new SQL.Database(bytes);
show('SELECT COUNT(*), SUM(qty) FROM sales', db2);
db2.close();
db.close();
