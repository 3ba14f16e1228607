;; A typed element segment (typed function references) in a module whose
;; import is wrapped: the segment keeps its type, `(ref null $t)`, and its
;; `ref.null` item; its reference to the import goes through the wrapper.
;; (WABT 1.0.32 does not read typed references: Node validates the output.)
;; RUN: wasm-instrument %s -S --no-exports | FileCheck %s --check-prefix=TEXT
;; RUN: wasm-instrument %s -o %t --no-exports
;; RUN: node --experimental-wasm-typed-funcref %S/run-hooks.mjs %t call 0 | FileCheck %s --check-prefix=IMPORT
;; RUN: node --experimental-wasm-typed-funcref %S/run-hooks.mjs %t call 1 | FileCheck %s --check-prefix=NULL
;; RUN: node --experimental-wasm-typed-funcref %S/run-hooks.mjs %t call 2 | FileCheck %s --check-prefix=LOCAL
;; RUN: wasm-instrument %s -o %t.plain --no-exports --exclude g --exclude call
;; RUN: node --experimental-wasm-typed-funcref %S/run-hooks.mjs %t.plain call 0 | FileCheck %s --check-prefix=PLAIN

;; TEXT: (table $tt 3 (ref null $t))
;; TEXT: (elem $typed (table $tt) (i32.const 0) (ref null $t) (ref.func $wi$import$env.f) (ref.null {{\$t|\$i32_=>_i32}}) (ref.func $g))

;; Sites: 0 import env.f, 1 g, 2 call.
;; IMPORT:      enter 2
;; IMPORT-NEXT: enter 0
;; IMPORT-NEXT: exit 0
;; IMPORT-NEXT: exit 2
;; IMPORT-NEXT: result 0
;; NULL:      enter 2
;; NULL-NEXT: trap:
;; LOCAL:      enter 2
;; LOCAL-NEXT: enter 1
;; LOCAL-NEXT: exit 1
;; LOCAL-NEXT: exit 2
;; LOCAL-NEXT: result 8
;; PLAIN:      enter 0
;; PLAIN-NEXT: exit 0
;; PLAIN-NEXT: result 0

(module
  (type $t (func (param i32) (result i32)))
  (import "env" "f" (func $f (type $t)))
  (table $tt 3 (ref null $t))
  (elem $typed (table $tt) (i32.const 0) (ref null $t) (ref.func $f) (ref.null $t) (ref.func $g))
  (func $g (type $t) (i32.add (local.get 0) (i32.const 1)))
  (func $call (export "call") (param i32) (result i32)
    (call_indirect $tt (type $t) (i32.const 7) (local.get 0))))
