#!/usr/bin/env python3
"""Writes a WAT module in stack form whose function `f` leaves a value on the
stack across a block 300 times (plus some across loops), the shape for which
Binaryen's reader adds a scratch local each time. Used by scratch-locals.test."""
parts = ["(module", "  (func (export \"f\") (param i32) (result i32)"]
for k in range(300):
    parts.append(f"    local.get 0 i32.const {k + 1} i32.add")
    if k % 5 == 0:
        # nested: while A is held across the outer block, B is held across an inner one
        parts.append(f"    block local.get 0 i32.const {k + 9} i32.mul")
        parts.append("      block local.get 0 i32.const 1 i32.add local.set 0 end")
        parts.append("      local.get 0 i32.add local.set 0 end")
    elif k % 7 == 0:
        # the value crosses a block that contains a loop running a few times
        parts.append("    block (loop local.get 0 i32.const 3 i32.add local.tee 0 i32.const 7 i32.and br_if 0) end")
    else:
        parts.append("    block local.get 0 i32.const 1 i32.add local.set 0 end")
    parts.append("    local.get 0 i32.mul i32.const 65535 i32.and local.set 0")
parts.append("    local.get 0))")
print("\n".join(parts))
