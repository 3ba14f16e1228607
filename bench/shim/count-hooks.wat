;; What the hooks of a sampling profiler would cost (realworld.sh, "calls
;; counted, no clock"): per-site call counts and a stack of the open site ids
;; in linear memory, which a sampler thread could read (with shared memory);
;; no clock read. Not a recorder: it exports nothing but the hooks.
;;   [0, 64 KiB)        i64 call count per site id (ids < 8192; others ignored)
;;   [64 KiB, 128 KiB)  the open ids, i32 each (deeper enters counted, not kept)
(module
  (memory (export "memory") 2)
  (global $sp (mut i32) (i32.const 65536))
  (global $over (mut i32) (i32.const 0))
  (func (export "enter") (param $id i32)
    (if (i32.lt_u (local.get $id) (i32.const 8192))
      (then
        (i64.store (i32.shl (local.get $id) (i32.const 3))
          (i64.add (i64.load (i32.shl (local.get $id) (i32.const 3))) (i64.const 1)))))
    (if (i32.lt_u (global.get $sp) (i32.const 131072))
      (then
        (i32.store (global.get $sp) (local.get $id))
        (global.set $sp (i32.add (global.get $sp) (i32.const 4))))
      (else (global.set $over (i32.add (global.get $over) (i32.const 1))))))
  (func (export "exit") (param $id i32)
    (if (global.get $over)
      (then (global.set $over (i32.sub (global.get $over) (i32.const 1))))
      (else
        (if (i32.gt_u (global.get $sp) (i32.const 65536))
          (then (global.set $sp (i32.sub (global.get $sp) (i32.const 4)))))))))
