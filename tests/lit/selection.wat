;; --include/--exclude select by name (PCRE2; exclude wins); mangled names are
;; matched and shown demangled.
;; RUN: wasm-instrument %s --list --include '^app_' --exclude '_free$' --no-exports | FileCheck %s
;; RUN: wasm-instrument %s --list --include 'demangle::me' | FileCheck %s --check-prefix=DEM
;; RUN: wasm-instrument %s --list --include '^_ZN8demangle2me' | FileCheck %s --check-prefix=DEM
;; RUN: not wasm-instrument %s --list --include '(' 2>&1 | FileCheck %s --check-prefix=BADRE
;; CHECK: # id	kind	size	name	symbol
;; CHECK-NEXT: 0	function	{{[0-9]+}}	app_main
;; CHECK-NEXT: 1	function	{{[0-9]+}}	app_run
;; CHECK-NOT: app_free
;; CHECK-NOT: lib_
;; DEM: function	{{[0-9]+}}	demangle::me(int)	_ZN8demangle2meEi
;; BADRE: wasm-instrument: error: bad --include pattern '(': missing closing parenthesis at offset 1

(module
  (func $app_main)
  (func $app_run)
  (func $app_free)
  (func $lib_helper)
  (func $_ZN8demangle2meEi (param i32)))
