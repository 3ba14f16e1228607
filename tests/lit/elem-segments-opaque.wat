;; A `ref.func` of a wrapped import inside an expression Binaryen's C API cannot
;; look into (here call_ref) stays as it is. Binaryen saw the import in the
;; element segment and did not declare it; once the segment names the wrapper,
;; the import is declared by a declarative segment added after the others.
;; (V8 11.3 and Binaryen 108 disagree on call_ref's encoding, so this does not run.)
;; RUN: wasm-instrument %s -o %t
;; RUN: wasm-objdump -x -j Elem %t | FileCheck %s

;; CHECK:      segment[0] flags=0 table=0 count=1 - init i32=0
;; CHECK-NEXT:  - elem[0] = func[{{[0-9]+}}] <wi$import$env.f>
;; CHECK-NEXT: segment[1] flags=3 table=0 count=1
;; CHECK-NEXT:  - elem[0] = func[2] <f>

(module
  (type $t (func (param i32) (result i32)))
  (import "env" "f" (func $f (type $t)))
  (table 2 funcref)
  (elem (table 0) (i32.const 0) func $f)
  (func $use (export "use") (param i32) (result i32)
    (call_ref (local.get 0) (ref.func $f))))
