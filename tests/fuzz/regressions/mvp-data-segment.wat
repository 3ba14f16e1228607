;; wabt: --disable-bulk-memory --disable-reference-types
;; An MVP module with a data segment and no target_features section: the output
;; must not need bulk memory (a DataCount section, id 12).
;; Found by gen/mvp.
(module
  (memory 1)
  (data (i32.const 0) "hi")
  (func (export "f") (result i32) (i32.load8_u (i32.const 1))))
