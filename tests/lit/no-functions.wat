;; --no-functions: only the boundaries, calls into imports and entries through
;; exports, get spans; the module's own functions are left as they are.
;; RUN: wasm-instrument %s --list --no-functions | FileCheck %s
;; RUN: wasm-instrument %s --no-functions -S -o - | FileCheck %s --check-prefix=WAT
;; RUN: wasm-instrument %s --no-functions --include '^env\.' --list | FileCheck %s --check-prefix=IMPORTS
;; CHECK: # id	kind	size	name	symbol
;; CHECK-NEXT: 0	import	0	env.log	log
;; CHECK-NEXT: 1	export	0	run
;; CHECK-NOT: function
;; WAT: (func $work (param $0 i32) (result i32)
;; WAT-NEXT: (call $wi$import$env.log
;; WAT-NEXT: (local.get $0)
;; WAT-NEXT: )
;; WAT-NEXT: )
;; WAT-NEXT: (func $1 (param $0 i32) (result i32)
;; WAT-NEXT: (call $work
;; WAT-NEXT: (local.get $0)
;; WAT-NEXT: )
;; WAT-NEXT: )
;; WAT: (func $wi$import$env.log
;; WAT-NEXT: (local $1 i32)
;; WAT-NEXT: (call $wi$hook$enter
;; WAT: (func $wi$export$run
;; WAT-NEXT: (local $1 i32)
;; WAT-NEXT: (call $wi$hook$enter
;; IMPORTS: 0	import	0	env.log	log
;; IMPORTS-NOT: export

(module
  (import "env" "log" (func $log (param i32) (result i32)))
  (func $work (param i32) (result i32)
    (call $log (local.get 0)))
  (func (export "run") (param i32) (result i32)
    (call $work (local.get 0))))
