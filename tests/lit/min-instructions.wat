;; --min-instructions N (LLVM XRay's rule): a function with fewer than N
;; instructions and no loop gets no hooks; one with a loop does, whatever its
;; size; a function an --include names is kept; an export of a small function
;; is still an export site, a call into an import still a span. --list and
;; --stats say what was left out and why.
;; RUN: wasm-instrument %s --list --min-instructions 8 | FileCheck %s
;; RUN: wasm-instrument %s --list --min-instructions 8 --include 'tiny|big|spin|calls' | FileCheck %s --check-prefix=INC
;; RUN: wasm-instrument %s -o %t --min-instructions 8 --stats 2>&1 | FileCheck %s --check-prefix=STATS
;; RUN: wasm-validate %t
;; RUN: wasm-instrument %s --list | FileCheck %s --check-prefix=ALL
;; RUN: not wasm-instrument %s --list --min-instructions -3 2>&1 | FileCheck %s --check-prefix=BAD
;; RUN: wasm-instrument %s --list --production | FileCheck %s --check-prefix=PROD
;; RUN: wasm-instrument %s --list --min-instructions 2 --production | FileCheck %s --check-prefix=PRODMIN
;; CHECK: # id	kind	size	name	symbol
;; CHECK-NEXT: 0	import	0	env.log	log
;; CHECK-NEXT: 1	function	{{[0-9]+}}	big
;; CHECK-NEXT: 2	function	{{[0-9]+}}	spin
;; CHECK-NEXT: 3	export	0	tiny
;; CHECK-NEXT: # skipped tiny: 3 instructions, no loop (--min-instructions 8)
;; CHECK-NEXT: # skipped calls: 5 instructions, no loop (--min-instructions 8)
;; INC: 0	function	{{[0-9]+}}	tiny
;; INC-NEXT: 1	function	{{[0-9]+}}	big
;; INC-NEXT: 2	function	{{[0-9]+}}	spin
;; INC-NEXT: 3	function	{{[0-9]+}}	calls
;; INC-NEXT: 4	export	0	tiny
;; INC-NOT: skipped
;; STATS: 4 defined functions: 2 instrumented, 0 not selected, 2 skipped
;; STATS-NEXT: skipped 2 functions of fewer than 8 instructions with no loop (--min-instructions)
;; ALL: 1	function	{{[0-9]+}}	tiny
;; ALL-NOT: skipped
;; BAD: wasm-instrument: error: --min-instructions needs a number of instructions
;; --production is --min-instructions 200, unless one is given: 25 instructions is small
;; PROD: # skipped big: {{[0-9]+}} instructions, no loop (--min-instructions 200)
;; PRODMIN-NOT: skipped big

(module
  (import "env" "log" (func $log (param i32)))
  (func $tiny (export "tiny") (result i32)
    (i32.add (i32.const 1) (i32.const 2)))
  (func $big (param $x i32) (result i32)
    (local.set $x (i32.add (local.get $x) (i32.const 1)))
    (local.set $x (i32.mul (local.get $x) (i32.const 3)))
    (local.set $x (i32.xor (local.get $x) (i32.const 5)))
    (local.get $x))
  (func $spin (param $n i32)
    (loop $l (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func $calls (call $log (i32.const 7)) (drop (call $tiny))))
