;; A JavaScript exception thrown by an import through three wasm frames, in a
;; module without exception handling: nothing in the module can see it, so the
;; host calls unwind() after catching it (tests/node-host/js-throw.mjs).
(module
  (import "env" "boom" (func $boom (param i32)))
  (func $inner (param i32) (call $boom (local.get 0)))
  (func $middle (param i32) (call $inner (i32.add (local.get 0) (i32.const 1))))
  (func $outer (export "outer") (param i32) (call $middle (local.get 0))))
