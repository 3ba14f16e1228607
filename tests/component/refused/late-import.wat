;; The guest shim goes before the component's first definition that is not an
;; import; a WASI interface it needs, imported after that under the very name
;; the shim would import, cannot be used there nor imported twice.
;; refused-link: wasi-otel
;; refused: cannot link the guest shim: the component imports wasi:random/random@0.2.0 after its first definitions
(component
  (core module $m
    (func $g (result i32) (i32.const 5))
    (func $f (result i32) (call $g))
    (export "f" (func $f)))
  (import "wasi:random/random@0.2.0" (instance $r
    (export "get-random-u64" (func (result u64)))))
  (core instance $i (instantiate $m))
  (func (export "f") (result u32) (canon lift (core func $i "f"))))
