;; What a --patchable function's check costs once its site is patched out
;; (patch-check.mjs): a tiny function called in a loop, bare, with the check
;; the tool emits (the site's mutable i32 global, into which a call that makes
;; its hooks reads the slot of the table wasm-instrument:muted-sites,
;; docs/hook-contract.md) and with the check the tool emitted before (that
;; slot read on every call). Every site is patched out before the loops run,
;; so no hook is called; `live` then calls the hooks on every call (not
;; patched), for scale.
(module
  (import "h" "enter" (func $enter (param i32)))
  (import "h" "exit" (func $exit (param i32)))
  (table $muted 2 2 externref)
  (global $patched (mut i32) (i32.const 1))
  (func $bare (param $x i32) (result i32)
    (i32.add (i32.mul (local.get $x) (i32.const 3)) (i32.const 1)))
  (func $table_check (param $x i32) (result i32) (local $live i32) (local $r i32)
    (if (local.tee $live (ref.is_null (table.get $muted (i32.const 1))))
      (then (call $enter (i32.const 1))))
    (local.set $r (i32.add (i32.mul (local.get $x) (i32.const 3)) (i32.const 1)))
    (if (local.get $live) (then (call $exit (i32.const 1))))
    (local.get $r))
  (func $global_check (param $x i32) (result i32) (local $live i32) (local $r i32)
    (if (local.tee $live (i32.eqz (global.get $patched)))
      (then (call $enter (i32.const 1))))
    (local.set $r (i32.add (i32.mul (local.get $x) (i32.const 3)) (i32.const 1)))
    (if (local.get $live) (then (call $exit (i32.const 1))))
    (local.get $r))
  (func $live (param $x i32) (result i32) (local $r i32)
    (call $enter (i32.const 1))
    (local.set $r (i32.add (i32.mul (local.get $x) (i32.const 3)) (i32.const 1)))
    (call $exit (i32.const 1))
    (local.get $r))
  (func (export "bare") (param $n i32) (result i32) (local $acc i32)
    (loop $next
      (local.set $acc (call $bare (local.get $acc)))
      (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $acc))
  (func (export "table_check") (param $n i32) (result i32) (local $acc i32)
    (loop $next
      (local.set $acc (call $table_check (local.get $acc)))
      (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $acc))
  (func (export "global_check") (param $n i32) (result i32) (local $acc i32)
    (loop $next
      (local.set $acc (call $global_check (local.get $acc)))
      (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $acc))
  (func (export "live") (param $n i32) (result i32) (local $acc i32)
    (loop $next
      (local.set $acc (call $live (local.get $acc)))
      (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $acc))
  (func (export "patch_out") (param $marker externref)
    (table.set $muted (i32.const 1) (local.get $marker))))
