;; Microbenchmark for the Node host: `run(n)` calls $work n times in a tight
;; loop; instrumented, that is n enter/exit pairs.
(module
  (func $work (param i32) (result i32)
    (i32.xor (i32.mul (local.get 0) (i32.const 31)) (i32.const 7)))
  (func (export "run") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (i32.add (local.get $acc) (call $work (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $acc)))
