;; Binaryen 108 writes every table export with index 0; the output must keep
;; each export on its own table (found on a wasm-bindgen module that exports
;; its externref table).
;; RUN: wasm-instrument %s -o %t && wasm-objdump -x -j export %t | FileCheck %s
;; CHECK: table[1] -> "second"
;; CHECK: table[0] -> "imported"
;; CHECK: table[2] -> "third"

(module
  (import "env" "t" (table $imported 1 funcref))
  (table $second 2 externref)
  (table $third 3 funcref)
  (export "second" (table $second))
  (export "imported" (table $imported))
  (export "third" (table $third)))
