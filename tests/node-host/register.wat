;; A library module driven by a JS program (tests/node-host/register.mjs):
;; `run` traps when given 0 (the program catches the RuntimeError and calls
;; again); `reenter` calls the program back, which calls `run` from inside
;; the import call.
(module
  (import "env" "call_back" (func $call_back (param i32) (result i32)))
  (func $crash (param $n i32) (result i32)
    (if (i32.eqz (local.get $n)) (then unreachable))
    (i32.mul (local.get $n) (i32.const 3)))
  (func $work (param $n i32) (result i32)
    (i32.add (call $crash (local.get $n)) (i32.const 1)))
  (func (export "run") (param $n i32) (result i32)
    (call $work (local.get $n)))
  (func (export "reenter") (param $n i32) (result i32)
    (i32.add (call $call_back (local.get $n)) (i32.const 100))))
