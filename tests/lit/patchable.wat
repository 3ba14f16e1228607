;; --patchable: each function's enter calls the hook only while the site's
;; global $wi$live$ID is 1, and keeps in a local ($live) whether it did; a call
;; that makes its hooks reads the site's slot in the exported table
;; wasm-instrument:muted-sites into that global after its enter (a table read
;; costs more than a global's on every patched-out call). Every exit of the
;; frame calls the exit hook only if the enter did, its value waiting in a
;; local meanwhile (no call on the way out of a patched-out call). A host that
;; mutes a site sets its slot: the site's next call still makes its hooks and
;; reads it, the calls after make none, and the frames open then still exit.
;; RUN: wasm-instrument %s --patchable -S | FileCheck %s
;; RUN: wasm-instrument %s --patchable -o %t && wasm-validate %t && wasm-opt --enable-reference-types %t -o /dev/null
;; $rec's first exit (the innermost frame's) mutes it: the two $rec frames
;; already open exit; the second call of $rec still makes its hooks and reads
;; the slot, its recursion makes no hook call, but $leaf under it still does.
;; RUN: RUN_HOOKS_MUTE=1 node %S/run-hooks.mjs %t run 2 | FileCheck %s --check-prefix=MUTE
;; MUTE:      enter 4
;; MUTE-NEXT: enter 2
;; MUTE-NEXT: enter 1
;; MUTE-NEXT: enter 1
;; MUTE-NEXT: enter 1
;; MUTE-NEXT: enter 0
;; MUTE-NEXT: exit 0
;; MUTE-NEXT: exit 1
;; MUTE-NEXT: muted 1
;; MUTE-NEXT: exit 1
;; MUTE-NEXT: exit 1
;; MUTE-NEXT: enter 1
;; MUTE-NEXT: enter 0
;; MUTE-NEXT: exit 0
;; MUTE-NEXT: exit 1
;; MUTE-NEXT: exit 2
;; MUTE-NEXT: exit 4
;; MUTE-NEXT: result 6
;; Nothing muted: the same calls as a build without --patchable.
;; RUN: node %S/run-hooks.mjs %t run 2 > %t.patchable.out
;; RUN: wasm-instrument %s -o %t.plain && node %S/run-hooks.mjs %t.plain run 2 > %t.plain.out
;; RUN: diff %t.plain.out %t.patchable.out
;; The preset makes a build patchable, but under --no-patchable or the
;; observe-sdk ABI (whose ids are renumbered after the fact).
;; RUN: wasm-instrument %s --production --min-instructions 1 -S | FileCheck %s --check-prefix=PRESET
;; RUN: wasm-instrument %s --production --no-patchable -S | FileCheck %s --check-prefix=PLAIN
;; RUN: wasm-instrument %s --production --abi observe-sdk -S | FileCheck %s --check-prefix=PLAIN
;; RUN: not wasm-instrument %s --patchable --abi observe-sdk -S 2>&1 | FileCheck %s --check-prefix=ABI
;; No table where no function reads it.
;; RUN: wasm-instrument %s --patchable --no-functions -S | FileCheck %s --check-prefix=PLAIN
;; PRESET: (export "wasm-instrument:muted-sites" (table $wi$muted))
;; PLAIN-NOT: muted
;; ABI: wasm-instrument: error: --patchable needs the default ABI
;; The sites' globals are left out of the name section (a name a site, of use
;; to nobody), whether the input had names (the text) or not (wat2wasm's binary).
;; RUN: wasm-instrument %s --patchable -o %t.named && wasm-objdump -x -j name %t.named | FileCheck %s --check-prefix=NAMES
;; RUN: wat2wasm --enable-all %s -o %t.bare && wasm-instrument %t.bare --patchable -o %t.unnamed && wasm-objdump -x -j name %t.unnamed | FileCheck %s --check-prefix=NAMES
;; NAMES:     table[1] <wi$muted>
;; NAMES-NOT: wi$live
;; With exception exits, the catch_all's exit looks at $live too.
;; RUN: wasm-instrument %s --patchable --exceptions on -S | FileCheck %s --check-prefix=EH

;; CHECK:      (global $wi$live$0 (mut i32) (i32.const 1))
;; CHECK:      (global $wi$live$1 (mut i32) (i32.const 1))
;; CHECK:      (table $wi$muted 4 4 anyref)
;; CHECK:      (export "wasm-instrument:muted-sites" (table $wi$muted))
;; CHECK:      (func $leaf (param $x i32) (result i32)
;; CHECK-NEXT:  (local $1 i32)
;; CHECK-NEXT:  (local $2 i32)
;; CHECK-NEXT:  (if
;; CHECK-NEXT:   (local.tee $1
;; CHECK-NEXT:    (global.get $wi$live$0)
;; CHECK-NEXT:   )
;; CHECK-NEXT:   (block
;; CHECK-NEXT:    (call $wi$hook$enter
;; CHECK-NEXT:     (i32.const 0)
;; CHECK-NEXT:    )
;; CHECK-NEXT:    (global.set $wi$live$0
;; CHECK-NEXT:     (ref.is_null
;; CHECK-NEXT:      (table.get $wi$muted
;; CHECK-NEXT:       (i32.const 0)
;; CHECK-NEXT:      )
;; CHECK-NEXT:     )
;; CHECK-NEXT:    )
;; CHECK-NEXT:   )
;; CHECK-NEXT:  )
;; CHECK-NEXT:  (block (result i32)
;; CHECK-NEXT:   (local.set $2
;; CHECK-NEXT:    (i32.add
;; CHECK-NEXT:     (local.get $x)
;; CHECK-NEXT:     (i32.const 1)
;; CHECK-NEXT:    )
;; CHECK-NEXT:   )
;; CHECK-NEXT:   (if
;; CHECK-NEXT:    (local.get $1)
;; CHECK-NEXT:    (call $wi$hook$exit
;; CHECK-NEXT:     (i32.const 0)
;; CHECK-NEXT:    )
;; CHECK-NEXT:   )
;; CHECK-NEXT:   (local.get $2)
;; CHECK-NEXT:  )
;; CHECK-NEXT: )
;; A `return`'s value waits in the same local.
;; CHECK:      (func $rec (param $n i32) (result i32)
;; CHECK:         (return
;; CHECK-NEXT:     (block (result i32)
;; CHECK-NEXT:      (local.set $2
;; CHECK:          (if
;; CHECK-NEXT:      (local.get $1)
;; CHECK-NEXT:      (call $wi$hook$exit
;; CHECK-NEXT:       (i32.const 1)
;; CHECK:          (local.get $2)
;; EH:         (func $indirect
;; EH:          (catch_all
;; EH-NEXT:     (if
;; EH-NEXT:      (local.get $0)
;; EH-NEXT:      (call $wi$hook$exit
;; EH-NEXT:       (i32.const 3)
;; EH-NEXT:      )
;; EH-NEXT:     )
;; EH-NEXT:     (rethrow $wi$unwind)
(module
  (func $leaf (param $x i32) (result i32)
    (i32.add (local.get $x) (i32.const 1)))
  (func $rec (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (call $leaf (i32.const 0)))
      (else (return (i32.add (call $rec (i32.sub (local.get $n) (i32.const 1))) (i32.const 1))))))
  (func $run (export "run") (param $n i32) (result i32)
    (i32.add (call $rec (local.get $n)) (call $rec (local.get $n))))
  (type $v (func))
  (table 1 funcref)
  (func $indirect (call_indirect (type $v) (i32.const 0))))
