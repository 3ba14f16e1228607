;; A multi-value function whose `return` yields a `ref.func`. With every feature
;; on, Binaryen types `ref.func $g` as the non-nullable `(ref $t)`; the scratch
;; local for the returned tuple must have the function's result type
;; (funcref i32), not the type of the first returned value.
;; Found by gen/refmulti and gen/all (tuple local of a non-defaultable type).
(module
  (func $g)
  (elem declare func $g)
  (func $f (export "f") (param $p i32) (result funcref i32)
    (if (local.get $p) (then (return (ref.func $g) (i32.const 1))))
    (ref.null func) (i32.const 0)))
