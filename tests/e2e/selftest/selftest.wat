;; Host self-test: a hand-instrumented module (no rewriter involved) that drives
;; the hooks through the cases the hosts must get right. The site table comes
;; from selftest.sites.json (mksites.mjs); expected trace: selftest.folded
;; (recorded with E2E_TRACE_MAX_DEPTH=8).
(module
  (import "env" "print_i32" (func $print_i32 (param i32)))
  (import "wasm-instrument:hooks/trace@0.1.0" "enter" (func $enter (param i32)))
  (import "wasm-instrument:hooks/trace@0.1.0" "exit" (func $exit (param i32)))

  ;; 10 nested enters of site 4 then 10 exits: depth > 8 is truncated (2 frames).
  (func $chain (param $n i32)
    (call $enter (i32.const 4))
    (if (local.get $n)
      (then (call $chain (i32.sub (local.get $n) (i32.const 1)))))
    (call $exit (i32.const 4)))

  (func $main
    (call $enter (i32.const 0))
    ;; two calls of "a;b"
    (call $enter (i32.const 1)) (call $exit (i32.const 1))
    (call $enter (i32.const 1)) (call $exit (i32.const 1))
    ;; an import call site
    (call $enter (i32.const 2))
    (call $print_i32 (i32.const 7))
    (call $exit (i32.const 2))
    ;; leaf;leaf
    (call $enter (i32.const 4)) (call $enter (i32.const 4))
    (call $exit (i32.const 4)) (call $exit (i32.const 4))
    ;; exit 4 while "a;b" is on top: unbalanced, closes both
    (call $enter (i32.const 4)) (call $enter (i32.const 1))
    (call $exit (i32.const 4))
    ;; exit 4 with no open span 4: unbalanced, ignored
    (call $exit (i32.const 4))
    ;; raw bytes in a name
    (call $enter (i32.const 5)) (call $exit (i32.const 5))
    ;; an id outside the table: invalid
    (call $enter (i32.const 99)) (call $exit (i32.const 99))
    (call $exit (i32.const 0)))

  (func (export "run")
    (call $enter (i32.const 3))
    (call $main)
    (call $exit (i32.const 3))
    (call $chain (i32.const 9))
    (call $print_i32 (i32.const -1))
    ;; left open at the end
    (call $enter (i32.const 0))
    (call $enter (i32.const 4)))
)
