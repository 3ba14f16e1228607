// Prints folded stacks ("a;b;c COUNT" lines) as an indented call tree with
// call counts, the way a person reads a trace. Usage: node show-tree.mjs FILE
import fs from 'node:fs';

const root = { children: new Map(), calls: 0 };
for (const line of fs.readFileSync(process.argv[2], 'latin1').split('\n')) {
  if (!line || line.startsWith('#')) continue;
  const space = line.lastIndexOf(' ');
  let node = root;
  for (const frame of line.slice(0, space).split(';')) {
    if (!node.children.has(frame)) node.children.set(frame, { children: new Map(), calls: 0 });
    node = node.children.get(frame);
  }
  node.calls += Number(line.slice(space + 1));
}
function print(node, depth) {
  for (const [name, child] of node.children) {
    console.log(`${'  '.repeat(depth)}${name}  x${child.calls}`);
    print(child, depth + 1);
  }
}
print(root, 0);
