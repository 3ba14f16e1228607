;; WABT writes tag names as name subsection 10, which Binaryen 108 reads as GC
;; field names and then refuses the module. Subsections from 10 on are dropped
;; before Binaryen reads; function names survive.
;; RUN: wat2wasm --enable-exceptions --debug-names %s -o %t.in
;; RUN: wasm-instrument %t.in -o %t && wasm-validate --enable-exceptions %t
;; RUN: wasm-objdump -x -j name %t | FileCheck %s
;; CHECK: func[2] <thrower>

(module
  (tag $mytag (param i32))
  (func $thrower (export "thrower") (throw $mytag (i32.const 1))))
