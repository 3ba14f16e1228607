;; Element segments in a module whose import is wrapped: a segment keeps its
;; mode, its element type and its `ref.null` items, and its references to the
;; import go through the import's wrapper (Binaryen 108's C API cannot re-create
;; such a segment: the items are rewritten in the written binary).
;; RUN: wasm-instrument %s -S --no-exports | FileCheck %s --check-prefix=TEXT
;; RUN: wasm-instrument %s -o %t --no-exports && wasm-validate %t
;; RUN: wasm-objdump -x -j Elem %t | FileCheck %s --check-prefix=ELEM
;; RUN: node %S/run-hooks.mjs %t call 1 | FileCheck %s --check-prefix=IMPORT
;; RUN: node %S/run-hooks.mjs %t call 2 | FileCheck %s --check-prefix=LOCAL
;; RUN: node %S/run-hooks.mjs %t call 0 | FileCheck %s --check-prefix=NULL
;; RUN: node %S/run-hooks.mjs %t is_null 0 | FileCheck %s --check-prefix=IS-NULL

;; TEXT: (elem $0 (table $0) (i32.const 0) funcref (ref.null func) (ref.func $wi$import$env.f) (ref.func $g))
;; TEXT: (elem $passive funcref (ref.null func) (ref.func $wi$import$env.f))
;; TEXT: (elem $plain (i32.const 3) $wi$import$env.f)

;; ELEM:      segment[0] flags=4 table=0 count=3 - init i32=0
;; ELEM-NEXT:  - elem[0] = ref.null funcref
;; ELEM-NEXT:  - elem[1] = func[{{[0-9]+}}] <wi$import$env.f>
;; ELEM-NEXT:  - elem[2] = func[{{[0-9]+}}] <g>
;; ELEM-NEXT: segment[1] flags=5 table=0 count=2
;; ELEM-NEXT:  - elem[0] = ref.null funcref
;; ELEM-NEXT:  - elem[1] = func[{{[0-9]+}}] <wi$import$env.f>
;; ELEM-NEXT: segment[2] flags=0 table=0 count=1 - init i32=3
;; ELEM-NEXT:  - elem[{{[0-9]+}}] = func[{{[0-9]+}}] <wi$import$env.f>

;; Sites: 0 import env.f, 1 g, 2 call, 3 is_null.
;; IMPORT:      enter 2
;; IMPORT-NEXT: enter 0
;; IMPORT-NEXT: exit 0
;; IMPORT-NEXT: exit 2
;; IMPORT-NEXT: result 0
;; LOCAL:      enter 2
;; LOCAL-NEXT: enter 1
;; LOCAL-NEXT: exit 1
;; LOCAL-NEXT: exit 2
;; LOCAL-NEXT: result 8
;; NULL:      enter 2
;; NULL-NEXT: trap:
;; IS-NULL: result 1

(module
  (type $t (func (param i32) (result i32)))
  (import "env" "f" (func $f (type $t)))
  (table 4 funcref)
  (elem (table 0) (i32.const 0) funcref (ref.null func) (ref.func $f) (ref.func $g))
  (elem $passive funcref (ref.null func) (ref.func $f))
  (elem $plain (i32.const 3) func $f)
  (func $g (type $t) (i32.add (local.get 0) (i32.const 1)))
  (func $call (export "call") (param i32) (result i32)
    (call_indirect (type $t) (i32.const 7) (local.get 0)))
  (func $is_null (export "is_null") (param i32) (result i32)
    (ref.is_null (table.get 0 (local.get 0)))))
