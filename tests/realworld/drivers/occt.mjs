// occt-import-js (OpenCascade's STEP, IGES and BREP readers, C++ by emscripten
// with wasm exception handling, nearly every function able to throw): import
// the package's own test models with its default and its explicit
// triangulation parameters, print what each gives (meshes, triangles, a hash
// of the positions), and feed it inputs that make OpenCascade throw inside
// (Standard_Failure, caught by its readers: the import fails cleanly).
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { swapWasm } from './_swap.mjs';

const require = createRequire(import.meta.url);
const main = require.resolve('occt-import-js');
swapWasm(join(dirname(main), 'occt-import-js.wasm'));
const occt = await require('occt-import-js')({ print: () => {}, printErr: () => {} });
const files = join(dirname(main), '..', 'test', 'testfiles');

function summary(result) {
  if (!result.success) return 'failed';
  const hash = createHash('sha256');
  let triangles = 0;
  let vertices = 0;
  for (const mesh of result.meshes) {
    const position = Float32Array.from(mesh.attributes.position.array, (v) => Math.round(v * 1e4) / 1e4);
    hash.update(new Uint8Array(position.buffer));
    vertices += position.length / 3;
    triangles += mesh.index.array.length / 3;
  }
  return `${result.meshes.length} meshes, ${vertices} vertices, ${triangles} triangles, ${hash.digest('hex').slice(0, 16)}`;
}

const models = [
  ['ReadStepFile', 'cube-10x10mm/Cube 10x10.stp', null],
  ['ReadIgesFile', 'cube-10x10mm/Cube 10x10.igs', null],
  ['ReadStepFile', 'cube-units/cube-in.step', { linearUnit: 'inch' }],
  ['ReadStepFile', 'rounded-cube/rounded-cube.step', { linearDeflectionType: 'absolute_value', linearDeflection: 0.5, angularDeflection: 0.8 }],
  ['ReadBrepFile', 'cax-if-brep/as1_pe_203.brep', null],
];
for (const [reader, file, params] of models) {
  console.log(reader, file, summary(occt[reader](readFileSync(join(files, file)), params)));
}

const broken = readFileSync(join(files, 'cube-10x10mm/Cube 10x10.stp'), 'latin1').replace(/CARTESIAN_POINT/g, 'CARTESIAN_POINTX');
for (const [what, reader, bytes] of [
  ['garbage step', 'ReadStepFile', new TextEncoder().encode('ISO-10303-21;\nHEADER;\nENDSEC;\nDATA;\n#1=FOO((1.,2.));\nENDSEC;\nEND-ISO-10303-21;\n')],
  ['broken points', 'ReadStepFile', new TextEncoder().encode(broken)],
  ['garbage brep', 'ReadBrepFile', new TextEncoder().encode('DBRep_DrawableShape\nCASCADE Topology V1, (c) Matra-Datavision\nLocations 1\n2\n')],
  ['garbage iges', 'ReadIgesFile', new Uint8Array(200).fill(65)],
]) {
  try {
    console.log(what, summary(occt[reader](bytes, null)));
  } catch (e) {
    console.log(what, 'threw', e?.constructor?.name);
  }
}
