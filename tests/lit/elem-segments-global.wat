;; An element segment with a `global.get` item (which Binaryen 108's C API
;; cannot inspect: it ends the process) in a module whose import is wrapped:
;; the item is kept, the segment's reference to the import goes through the
;; wrapper. (WABT 1.0.32 does not read global.get items, and V8 11.3 allows
;; only imported globals there: Node validates the output, with a null $gf.)
;; RUN: wasm-instrument %s -S --no-exports | FileCheck %s --check-prefix=TEXT
;; RUN: wasm-instrument %s -o %t --no-exports
;; RUN: node %S/run-hooks.mjs %t call 0 | FileCheck %s --check-prefix=GLOBAL
;; RUN: node %S/run-hooks.mjs %t call 1 | FileCheck %s --check-prefix=IMPORT

;; TEXT: (import "env" "gf" (global $gf funcref))
;; TEXT: (elem (table $0) (i32.const 0) funcref (global.get $gf) (ref.func $wi$import$env.f))

;; Sites: 0 import env.f, 1 g, 2 call.
;; GLOBAL:      enter 2
;; GLOBAL-NEXT: trap:
;; IMPORT:      enter 2
;; IMPORT-NEXT: enter 0
;; IMPORT-NEXT: exit 0
;; IMPORT-NEXT: exit 2
;; IMPORT-NEXT: result 0

(module
  (type $t (func (param i32) (result i32)))
  (import "env" "f" (func $f (type $t)))
  (import "env" "gf" (global $gf funcref))
  (table 2 funcref)
  (elem (table 0) (i32.const 0) funcref (global.get $gf) (ref.func $f))
  (func $g (type $t) (i32.add (local.get 0) (i32.const 1)))
  (func $call (export "call") (param i32) (result i32)
    (call_indirect (type $t) (i32.const 7) (local.get 0))))
