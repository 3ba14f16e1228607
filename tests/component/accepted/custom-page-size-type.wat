;; A core module type whose memory import has a custom page size (limits flag
;; 0x08): valid, and read to its end. jco cannot transpile it: only read.
(component
  (core type $mt (module (import "a" "m" (memory 1 (pagesize 1))) (export "x" (func))))
  (core module $m (func $f (export "f") (result i32) (i32.const 1)))
  (core instance $i (instantiate $m))
  (func (export "f") (result u32) (canon lift (core func $i "f"))))
