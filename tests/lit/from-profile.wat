;; --from-profile CALLS --profile-times SELF: leaves out the functions a profile
;; shows called at least 10,000 times (--profile-min-calls) for a mean
;; inclusive time under 1000 ns (--profile-below-ns). The two files are what a
;; host writes in one run (--folded-calls and --folded; here by hand, in their
;; format: from-profile.calls, from-profile.folded). Kept: a hot long function,
;; an --include'd one, a cold one, one absent from the profile, two functions
;; that one name (dup()) shows; an exported hot one loses its span but stays an
;; export site, and the import stays a span. Frames match the display name
;; (demangled, with spaces) or the raw symbol (_Z3bazv). rec recurses: its
;; stack rec;rec counts once, so its mean is 10 ms / 20000 = 500 ns.
;; The rule's checks below turn the floor off (--profile-keep-percent 0); the
;; FLOOR checks keep its default: a function with at least 0.25% of the run's
;; 218,473,670 ns inclusive stays, whatever its calls (hot_export 1.4%, rec 4.6%,
;; hash 1.1%, hot_short 0.7%; hot_inc's 0.18% does not) and its size (hot_long,
;; main); FLOOR1 sets 1%: hot_short goes.
;; RUN: wasm-instrument %s --list --from-profile %S/from-profile.calls --profile-times %S/from-profile.folded 2>/dev/null | FileCheck %s --check-prefix=FLOOR
;; RUN: wasm-instrument %s --list --from-profile %S/from-profile.calls --profile-times %S/from-profile.folded --min-instructions 4 2>/dev/null | FileCheck %s --check-prefix=FLOORSMALL
;; RUN: wasm-instrument %s -o %t.floor --stats --from-profile %S/from-profile.calls --profile-times %S/from-profile.folded --min-instructions 4 2>&1 | FileCheck %s --check-prefix=FLOORSTATS
;; RUN: wasm-validate %t.floor
;; RUN: wasm-instrument %s --list --from-profile %S/from-profile.calls --profile-times %S/from-profile.folded --profile-keep-percent 4.5 2>/dev/null | FileCheck %s --check-prefix=FLOOR45
;; RUN: wasm-instrument %s --list --from-profile %S/from-profile.calls --profile-times %S/from-profile.folded --profile-keep-percent 1 2>/dev/null | FileCheck %s --check-prefix=FLOOR1
;; RUN: wasm-instrument %s --list --from-profile %S/from-profile.calls --profile-times %S/from-profile.folded --profile-keep-percent 0 2>&1 | FileCheck %s
;; RUN: wasm-instrument %s -o %t --stats --from-profile %S/from-profile.calls --profile-times %S/from-profile.folded --profile-keep-percent 0 2>&1 | FileCheck %s --check-prefix=STATS
;; RUN: wasm-validate %t
;; RUN: wasm-instrument %s --list --from-profile %S/from-profile.calls --profile-times %S/from-profile.folded --include '^hot_inc$|^hot_short$' 2>/dev/null | FileCheck %s --check-prefix=INC
;; RUN: wasm-instrument %s --list --from-profile %S/from-profile.calls --profile-times %S/from-profile.folded --profile-keep-percent 0 --profile-min-calls 100000 --profile-below-ns 20000 2>/dev/null | FileCheck %s --check-prefix=KNOBS
;; RUN: wasm-instrument %s --list --from-profile %S/from-profile.calls --profile-times %S/from-profile.folded --profile-keep-percent 0 --profile-below-ns 400 2>/dev/null | FileCheck %s --check-prefix=BELOW
;; RUN: wasm-instrument %s --list --from-profile %S/from-profile.calls --profile-times %S/from-profile.folded --profile-keep-percent 0 --min-instructions 4 2>/dev/null | FileCheck %s --check-prefix=BOTH
;; CHECK: warning: {{.*}}from-profile.calls: 1 of its 11 functions are not in {{.*}}from-profile.wat (a profile of another build?); they are ignored
;; CHECK: # id	kind	size	name	symbol
;; CHECK-NEXT: 0	import	0	env.log	log
;; CHECK-NEXT: 1	function	{{[0-9]+}}	main
;; CHECK-NEXT: 2	function	{{[0-9]+}}	hot_long
;; CHECK-NEXT: 3	function	{{[0-9]+}}	cold
;; CHECK-NEXT: 4	function	{{[0-9]+}}	absent
;; CHECK-NEXT: 5	function	{{[0-9]+}}	dup()	_Z3dupv
;; CHECK-NEXT: 6	function	{{[0-9]+}}	dup()	_ZL3dupv
;; CHECK-NEXT: 7	export	0	main
;; CHECK-NEXT: 8	export	0	hot_export
;; CHECK-NEXT: # skipped hot_short: 100000 calls, mean 15.0 ns (--from-profile: at least 10000 calls, mean under 1000 ns)
;; CHECK-NEXT: # skipped hot_inc: 40000 calls, mean 10.0 ns (--from-profile: at least 10000 calls, mean under 1000 ns)
;; CHECK-NEXT: # skipped hot_export: 30005 calls, mean 100.0 ns (--from-profile: at least 10000 calls, mean under 1000 ns)
;; CHECK-NEXT: # skipped rec: 20000 calls, mean 500.0 ns (--from-profile: at least 10000 calls, mean under 1000 ns)
;; CHECK-NEXT: # skipped hash(char const*, unsigned int): 50000 calls, mean 50.0 ns (--from-profile: at least 10000 calls, mean under 1000 ns)
;; CHECK-NEXT: # skipped baz(): 10000 calls, mean 1.0 ns (--from-profile: at least 10000 calls, mean under 1000 ns)
;; CHECK-NOT: skipped
;; STATS: 12 defined functions: 6 instrumented, 0 not selected, 6 skipped
;; STATS-NEXT: skipped 6 functions called at least 10000 times for a mean under 1000 ns (--from-profile)
;; STATS: profile {{.*}}from-profile.calls: 9 functions found in it (2 kept as their name is shared), 1 of its 11 functions not in the module
;; FLOOR: 8	function	{{[0-9]+}}	hash(char const*, unsigned int)	_Z4hashPKcj
;; FLOOR: # kept main: 100.00% of the run inclusive, 1 calls (--profile-keep-percent 0.25)
;; FLOOR-NEXT: # kept hot_short: 0.69% of the run inclusive, 100000 calls (--profile-keep-percent 0.25)
;; FLOOR-NEXT: # kept hot_long: 91.54% of the run inclusive, 20000 calls (--profile-keep-percent 0.25)
;; FLOOR-NEXT: # kept hot_export: 1.37% of the run inclusive, 30005 calls (--profile-keep-percent 0.25)
;; FLOOR-NEXT: # kept rec: 4.58% of the run inclusive, 20000 calls (--profile-keep-percent 0.25)
;; FLOOR-NEXT: # kept hash(char const*, unsigned int): 1.14% of the run inclusive, 50000 calls (--profile-keep-percent 0.25)
;; FLOOR-NEXT: # skipped hot_inc: 40000 calls
;; FLOOR-NEXT: # skipped baz(): 10000 calls
;; FLOOR-NOT: skipped
;; FLOORSMALL: function {{[0-9]+}} hot_long
;; FLOORSMALL: # skipped cold: 1 instructions, no loop (--min-instructions 4)
;; FLOORSMALL-NOT: skipped hot_long
;; FLOORSTATS: 12 defined functions: 6 instrumented, 0 not selected, 6 skipped
;; FLOORSTATS: kept 3 functions under --min-instructions for their share of the profiled run (--profile-keep-percent 0.25)
;; FLOORSTATS: profile {{.*}}: 6 functions hold at least 0.25% of the run inclusive and are kept (--profile-keep-percent)
;; FLOOR1: # kept hash
;; FLOOR1: # skipped hot_short: 100000 calls
;; FLOOR45: # kept rec: 4.58%
;; FLOOR45-NOT: # kept hot_export
;; FLOOR45: # skipped hot_export: 30005 calls
;; --include wins over the profile
;; INC: 0	function	{{[0-9]+}}	hot_short
;; INC-NEXT: 1	function	{{[0-9]+}}	hot_inc
;; INC-NOT: skipped
;; KNOBS: 2	function	{{[0-9]+}}	hot_long
;; KNOBS: # skipped hot_short: 100000 calls, mean 15.0 ns (--from-profile: at least 100000 calls, mean under 20000 ns)
;; KNOBS-NOT: skipped
;; BELOW: 2	function	{{[0-9]+}}	hot_long
;; BELOW: 5	function	{{[0-9]+}}	rec
;; BELOW: # skipped hot_short
;; BELOW-NOT: skipped rec
;; --min-instructions (and so --production) and the profile both apply
;; BOTH: 1	function	{{[0-9]+}}	main
;; BOTH-NEXT: 2	export	0	main
;; BOTH: # skipped hot_short: 100000 calls
;; BOTH: # skipped hot_long: 1 instructions, no loop (--min-instructions 4)
;; BOTH: # skipped cold: 1 instructions, no loop (--min-instructions 4)
;; BOTH: # skipped absent: 1 instructions, no loop (--min-instructions 4)

(module
  (import "env" "log" (func $log (param i32)))
  (func $main (export "main")
    (drop (call $hot_short (i32.const 1)))
    (call $hot_long) (call $hot_inc) (call $hot_export) (call $cold) (call $absent)
    (call $rec (i32.const 2)) (call $_Z4hashPKcj) (call $_Z3bazv) (call $_Z3dupv) (call $_ZL3dupv))
  (func $hot_short (param $x i32) (result i32)
    (call $log (local.get $x)) (local.get $x))
  (func $hot_long (nop))
  (func $hot_inc (nop))
  (func $hot_export (export "hot_export") (nop))
  (func $cold (nop))
  (func $absent (nop))
  (func $rec (param $n i32)
    (if (local.get $n) (call $rec (i32.sub (local.get $n) (i32.const 1)))))
  (func $_Z4hashPKcj (nop))
  (func $_Z3bazv (nop))
  (func $_Z3dupv (nop))
  (func $_ZL3dupv (nop)))
