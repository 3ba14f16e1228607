;; Shared export entries need a table of their own. Next to the module's own
;; table it would be a second one, which needs reference types: a module that
;; neither declares its features (no target_features section) nor uses exception
;; handling keeps a wrapper per export, and the output stays valid without
;; reference types. (Without any table of its own, `wi$exports` would be table 0
;; and need nothing: tests/lit/exports.wat.)
;; RUN: wasm-instrument %s -S | FileCheck %s --check-prefix=WRAP
;; RUN: wasm-instrument %s -o %t && wasm-validate --disable-reference-types %t
;; WRAP-NOT: wi$entry
;; WRAP-NOT: wi$exports
;; WRAP: (func $wi$export$one (result i32)
;; WRAP: (call $f)
;; WRAP: (func $wi$export$two (result i32)
;; WRAP: (call $f)

(module
  (table 1 funcref)
  (elem (i32.const 0) $f)
  (func $f (result i32) (i32.const 7))
  (export "one" (func $f))
  (export "two" (func $f)))
