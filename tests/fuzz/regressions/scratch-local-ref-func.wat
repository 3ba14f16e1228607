;; Stack-style code that Binaryen's reader turns into a scratch local: the
;; `ref.func` value crosses the `nop`, so the reader adds a local of the value's
;; type, `(ref null $t)` once typed function references are on. The output must
;; declare it as funcref (V8 11.3: "Invalid type '(ref null <heaptype>)'"; WABT:
;; "expected valid local type"). A plain `wasm-opt` round trip of a module with
;; target_features (reference-types, no typed function references) writes the
;; same local: found by run/refmulti/21 (FUZZ_MODULES=32).
(module
  (func $g)
  (elem declare func $g)
  (func (export "f") (result funcref)
    ref.func $g
    nop))
