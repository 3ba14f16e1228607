;; The hooks of the sampled profile timing (sampled-recorder.mjs), in wasm:
;; an instrumented module imports `enter` and `exit` from an instance of this
;; module, so that a usual call costs a wasm-to-wasm call and a few loads and
;; stores, with no clock and no call into JS. Anything unusual (an unknown
;; id, a call path seen for the first time, a full stack, an exit that is not
;; the top frame, enters past maxDepth, an export entered over stale frames
;; under unwindOnReentry) goes to the JS slow paths, which follow the
;; recorder's rules on the same memory.
;;
;; Built into sampled-hooks.wasm by `wat2wasm --enable-threads` (the checked
;; in binary; tests/node-host checks that it is this file's build).
;;
;; All the state is in the shared memory (the sampling thread reads
;; `current` from it), at addresses the JS side sets in the globals below and
;; moves when an array grows. Arrays:
;;   frameSite  i32 [capacity]      the site of each open frame
;;   frameNode  i32 [capacity + 1]  [0] = 0 (the root); [d + 1] = frame d's node
;;   siteFlags  u8  [siteCount]     1: an import site; 2: an export site whose
;;                                  enter checks for stale frames (unwindOnReentry)
;;   siteLast   i32 [siteCount]     the node last entered for the site
;;   nodeSite   i32 [nodes]         a profile node's site
;;   nodeParent i32 [nodes]         its parent ([0] = -1: never a parent)
;;   nodeCalls  f64 [nodes]         its calls, counted at enter
;;   hashTable  i32 [2 * nodes]     (parent, site) -> node, 0 = empty slot
;; and the i32 at address 0: the current node (0: no frame open).
(module
  (import "recorder" "memory" (memory 1 65536 shared))
  (import "recorder" "enterSlow" (func $enterSlow (param i32)))
  (import "recorder" "exitSlow" (func $exitSlow (param i32)))

  ;; The stack: open frames, and the depth below which both hooks may take
  ;; the fast path (the capacity; 0 while enters past maxDepth are pending).
  (global $depth (export "depth") (mut i32) (i32.const 0))
  (global $fastDepth (export "fastDepth") (mut i32) (i32.const 0))
  (global $siteCount (export "siteCount") (mut i32) (i32.const 0))
  ;; byte addresses of the arrays
  (global $frameSite (export "frameSite") (mut i32) (i32.const 0))
  (global $frameNode (export "frameNode") (mut i32) (i32.const 0))
  (global $siteFlags (export "siteFlags") (mut i32) (i32.const 0))
  (global $siteLast (export "siteLast") (mut i32) (i32.const 0))
  (global $nodeSite (export "nodeSite") (mut i32) (i32.const 0))
  (global $nodeParent (export "nodeParent") (mut i32) (i32.const 0))
  (global $nodeCalls (export "nodeCalls") (mut i32) (i32.const 0))
  (global $hashTable (export "hashTable") (mut i32) (i32.const 0))
  (global $hashMask (export "hashMask") (mut i32) (i32.const 0))
  (global $hashShift (export "hashShift") (mut i32) (i32.const 32))

  ;; The hash of (parent, site): the same function as hashOf in
  ;; sampled-recorder.mjs.
  (func $hash (param $parent i32) (param $site i32) (result i32)
    (i32.shr_u
      (i32.mul
        (i32.xor (i32.mul (local.get $parent) (i32.const 0x9e3779b1)) (local.get $site))
        (i32.const 0x85ebca6b))
      (global.get $hashShift)))

  ;; The child node of `parent` for `site` from the table, else 0.
  (func $findChild (param $parent i32) (param $site i32) (result i32)
    (local $node i32) (local $slot i32)
    (local.set $slot (call $hash (local.get $parent) (local.get $site)))
    (block $done
      (loop $probe
        (local.set $node
          (i32.load (i32.add (global.get $hashTable) (i32.shl (local.get $slot) (i32.const 2)))))
        (br_if $done (i32.eqz (local.get $node)))
        (if (i32.and
              (i32.eq (local.get $site)
                (i32.load (i32.add (global.get $nodeSite) (i32.shl (local.get $node) (i32.const 2)))))
              (i32.eq (local.get $parent)
                (i32.load (i32.add (global.get $nodeParent) (i32.shl (local.get $node) (i32.const 2))))))
          (then
            (i32.store (i32.add (global.get $siteLast) (i32.shl (local.get $site) (i32.const 2)))
              (local.get $node))
            (return (local.get $node))))
        (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (global.get $hashMask)))
        (br $probe)))
    (i32.const 0))

  (func (export "enter") (param $id i32)
    (local $d i32) (local $parent i32) (local $node i32) (local $calls i32) (local $flags i32)
    (local.set $d (global.get $depth))
    (if (i32.or (i32.ge_u (local.get $d) (global.get $fastDepth))
                (i32.ge_u (local.get $id) (global.get $siteCount)))
      (then (call $enterSlow (local.get $id)) (return)))
    ;; unwindOnReentry: an export entered while the top frame is not an
    ;; import call (the previous call from JS ended in a trap the hooks did
    ;; not see) has stale frames to drop
    (local.set $flags (i32.load8_u (i32.add (global.get $siteFlags) (local.get $id))))
    (if (i32.and (i32.and (local.get $flags) (i32.const 2)) (i32.ne (local.get $d) (i32.const 0)))
      (then
        (if (i32.eqz (i32.and (i32.const 1)
              (i32.load8_u (i32.add (global.get $siteFlags)
                (i32.load (i32.add (global.get $frameSite)
                  (i32.shl (i32.sub (local.get $d) (i32.const 1)) (i32.const 2))))))))
          (then (call $enterSlow (local.get $id)) (return)))))
    ;; the node: most often the one last entered for the site, else from the
    ;; table; a new call path goes to the slow path (which may grow the arrays)
    (local.set $parent
      (i32.load (i32.add (global.get $frameNode) (i32.shl (local.get $d) (i32.const 2)))))
    (local.set $node
      (i32.load (i32.add (global.get $siteLast) (i32.shl (local.get $id) (i32.const 2)))))
    (if (i32.ne (local.get $parent)
          (i32.load (i32.add (global.get $nodeParent) (i32.shl (local.get $node) (i32.const 2)))))
      (then
        (local.set $node (call $findChild (local.get $parent) (local.get $id)))
        (if (i32.eqz (local.get $node))
          (then (call $enterSlow (local.get $id)) (return)))))
    (local.set $calls (i32.add (global.get $nodeCalls) (i32.shl (local.get $node) (i32.const 3))))
    (f64.store (local.get $calls) (f64.add (f64.load (local.get $calls)) (f64.const 1)))
    (i32.store (i32.add (global.get $frameSite) (i32.shl (local.get $d) (i32.const 2)))
      (local.get $id))
    (i32.store offset=4 (i32.add (global.get $frameNode) (i32.shl (local.get $d) (i32.const 2)))
      (local.get $node))
    (global.set $depth (i32.add (local.get $d) (i32.const 1)))
    (i32.store (i32.const 0) (local.get $node)))

  (func (export "exit") (param $id i32)
    (local $d i32)
    ;; d = -1 (empty stack) is above any fastDepth as unsigned
    (local.set $d (i32.sub (global.get $depth) (i32.const 1)))
    (if (i32.ge_u (local.get $d) (global.get $fastDepth))
      (then (call $exitSlow (local.get $id)) (return)))
    (if (i32.ne (local.get $id)
          (i32.load (i32.add (global.get $frameSite) (i32.shl (local.get $d) (i32.const 2)))))
      (then (call $exitSlow (local.get $id)) (return)))
    (global.set $depth (local.get $d))
    (i32.store (i32.const 0)
      (i32.load (i32.add (global.get $frameNode) (i32.shl (local.get $d) (i32.const 2)))))))
