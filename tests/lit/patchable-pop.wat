;; --patchable in a catch: a `return` whose value is the catch's `pop` cannot
;; wait in a local (Binaryen wants the pop first in its catch, in no block):
;; its exit goes through the helper that takes the frame's $live flag.
;; RUN: wasm-instrument %s --patchable -S | FileCheck %s
;; RUN: wasm-instrument %s --patchable -o %t && wasm-validate --enable-all %t && wasm-opt --all-features %t -o /dev/null
;; RUN: RUN_HOOKS_MUTE=1 node %S/run-hooks.mjs %t caught 5 | FileCheck %s --check-prefix=HOOKS
;; HOOKS:      enter 3
;; HOOKS-NEXT: enter 1
;; HOOKS-NEXT: enter 0
;; HOOKS-NEXT: exit 0
;; HOOKS-NEXT: exit 1
;; HOOKS-NEXT: muted 1
;; HOOKS-NEXT: exit 3
;; HOOKS-NEXT: result 5

;; CHECK:      (func $wi$exit$0 (param $0 i32) (param $1 i32) (param $2 i32) (result i32)
;; CHECK-NEXT:  (if
;; CHECK-NEXT:   (local.get $1)
;; CHECK-NEXT:   (call $wi$hook$exit
;; CHECK-NEXT:    (local.get $2)
;; CHECK-NEXT:   )
;; CHECK-NEXT:  )
;; CHECK-NEXT:  (local.get $0)
;; CHECK-NEXT: )
;; CHECK:      (func $caught (param $0 i32) (result i32)
;; CHECK:         (catch $
;; CHECK-NEXT:     (return
;; CHECK-NEXT:      (call $wi$exit$0
;; CHECK-NEXT:       (pop i32)
;; CHECK-NEXT:       (local.get $1)
;; CHECK-NEXT:       (i32.const 1)
;; CHECK-NEXT:      )
;; CHECK-NEXT:     )
(module
  (tag $e (param i32))
  (func $thrower (param $x i32) (result i32)
    (if (local.get $x) (then (throw $e (local.get $x))))
    (i32.const 1))
  (func $caught (export "caught") (param $0 i32) (result i32)
    (try (result i32)
      (do (call $thrower (local.get $0)))
      (catch $e (return (pop i32)))))
  (func $other (param $x i32) (result i32) (local.get $x)))
