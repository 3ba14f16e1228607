;; A core module type with a shared heap type (0x65): valid, and read to its
;; end. jco cannot transpile it: only read.
(component
  (core type $mt (module (import "a" "t" (table 1 (ref null (shared func))))))
  (core module $m (func $f (export "f") (result i32) (i32.const 1)))
  (core instance $i (instantiate $m))
  (func (export "f") (result u32) (canon lift (core func $i "f"))))
