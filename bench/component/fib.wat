;; bench/component.sh's micro benchmark: a component whose export calls a
;; recursive fib twice (`twice N` computes fib(N/2) twice): every call is a
;; span once instrumented.
(component
  (core module $fibs
    (func $fib (param i32) (result i32)
      (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
        (then (local.get 0))
        (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                       (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
    (func $twice (param i32) (result i32)
      (i32.add (call $fib (i32.shr_u (local.get 0) (i32.const 1)))
               (call $fib (i32.shr_u (local.get 0) (i32.const 1)))))
    (export "twice" (func $twice)))
  (core instance $i (instantiate $fibs))
  (func $twice (param "n" u32) (result u32) (canon lift (core func $i "twice")))
  (export "twice" (func $twice)))
