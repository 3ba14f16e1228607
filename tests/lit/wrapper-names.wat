;; The tool's own functions (hook imports, import and export wrappers) are
;; named in the name section only when the input names its functions: hosts
;; name spans from the site table, and in a module without names theirs would
;; be the only names (7.1 MB of them on duckdb-wasm's 65,167 exports).
;; RUN: wat2wasm %s -o %t.plain && wasm-instrument %t.plain -o %t && wasm-validate %t
;; RUN: wasm-objdump -h %t | FileCheck %s --check-prefix=PLAIN
;; PLAIN-NOT: "name"
;; PLAIN: "wasm-instrument.sites"
;; PLAIN-NOT: "name"
;; RUN: wat2wasm --debug-names %s -o %t.named && wasm-instrument %t.named -o %t && wasm-validate %t
;; RUN: wasm-objdump -x -j name %t | FileCheck %s --check-prefix=NAMED
;; NAMED: func[0] <wi$hook$enter>
;; NAMED-NEXT: func[1] <wi$hook$exit>
;; NAMED-NEXT: func[2] <log>
;; NAMED-NEXT: func[3] <run>
;; NAMED-NEXT: func[4] <wi$import$env.log>
;; NAMED-NEXT: func[5] <wi$export$run>

(module
  (import "env" "log" (func $log (param i32)))
  (func $run (export "run") (call $log (i32.const 1))))
