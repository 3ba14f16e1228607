;; `return (ref.func $g)` in a function returning funcref: the exit helper must
;; take the function's result type (funcref), not `(ref $t)`, which needs typed
;; function references (V8 11.3: "Invalid type '(ref <heaptype>)'").
;; Found by gen/ref.
(module
  (func $g)
  (elem declare func $g)
  (func $f (export "f") (result funcref)
    (return (ref.func $g))))
