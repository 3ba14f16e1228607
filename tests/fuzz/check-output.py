#!/usr/bin/env python3
"""Checks the parts of an instrumented module that no validator looks at: the
custom sections wasm-instrument writes (docs/hook-contract.md).

    check-output.py INPUT.wasm OUTPUT.wasm [INPUT OUTPUT ...]

For each pair, prints `BAD OUTPUT: reason` for the first problem found, or
nothing. Exit status 1 if any output is bad. Checked:
  - section framing (every size exact), known sections in order, at most once;
  - `producers`: exactly one, well-formed (every count matches, nothing left
    over), `processed-by` lists `wasm-instrument` exactly once;
  - `name`: at most one, subsections in order, framed exactly; function names
    well-formed, indices strictly increasing and below the function count;
  - `wasm-instrument.sites`: exactly one, version 2 (or 1), well-formed, kinds
    0-2, no unknown flag bits, output indices below the function count, every
    reference in range (strings, exports, imports, names), nothing left over;
  - `target_features` only if the input had one (the rewriter must not claim
    features the input did not declare);
  - the hook imports are functions (module wasm-instrument:hooks/trace@0.1.0 or
    dylibso:observe/instrument).
"""
import sys

# Spec order: type 1, import 2, function 3, table 4, memory 5, tag 13, global 6,
# export 7, start 8, element 9, datacount 12, code 10, data 11.
ORDER = {sid: i for i, sid in enumerate([1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11])}


class Bad(Exception):
    pass


class Reader:
    def __init__(self, data, what):
        self.data, self.pos, self.what = data, 0, what

    def left(self):
        return len(self.data) - self.pos

    def byte(self):
        if self.pos >= len(self.data):
            raise Bad(f"{self.what}: truncated")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def u32(self):
        result = shift = 0
        for i in range(5):
            b = self.byte()
            if i == 4 and b & 0xF0:
                raise Bad(f"{self.what}: LEB128 longer than 32 bits")
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return result
        raise Bad(f"{self.what}: LEB128 too long")

    def bytes(self, n):
        if n > self.left():
            raise Bad(f"{self.what}: {n} bytes claimed, {self.left()} left")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def name(self):
        # Not required to be UTF-8 here: the tool copies names from its input,
        # and an input's custom sections may hold anything.
        return self.bytes(self.u32()).decode("utf-8", "surrogateescape")

    def end(self):
        if self.left():
            raise Bad(f"{self.what}: {self.left()} bytes left over")


def sections(data, what):
    if data[:8] != b"\0asm\1\0\0\0":
        raise Bad(f"{what}: not a core module")
    r = Reader(data, what)
    r.pos = 8
    out = []
    while r.left():
        sid = r.byte()
        payload = r.bytes(r.u32())
        if sid == 0:
            pr = Reader(payload, f"{what}: custom section")
            cname = pr.name()
            out.append((0, cname, payload[pr.pos:]))
        else:
            out.append((sid, None, payload))
    return out


def function_count(secs):
    imported = defined = 0
    for sid, _, payload in secs:
        if sid == 2:
            r = Reader(payload, "import section")
            for _ in range(r.u32()):
                _, _, kind = read_import(r)
                if kind == 0:
                    imported += 1
        elif sid == 3:
            defined = Reader(payload, "function section").u32()
    return imported, defined


def skip_sleb(r):
    for _ in range(10):
        if not r.byte() & 0x80:
            return
    raise Bad("bad signed LEB128")


def skip_limits(r):
    flags = r.byte()
    for _ in range(2 if flags & 1 else 1):
        skip_sleb(r)


def read_import(r):
    """One import entry: (module, field, kind), its description skipped."""
    module, field, kind = r.name(), r.name(), r.byte()
    if kind == 0:
        r.u32()
    elif kind in (1, 3):  # table: reftype limits; global: valtype mutability
        if r.byte() in (0x63, 0x64):
            skip_sleb(r)
        if kind == 1:
            skip_limits(r)
        else:
            r.byte()
    elif kind == 2:
        skip_limits(r)
    elif kind == 4:
        r.byte()
        r.u32()
    else:
        raise Bad(f"import section: unknown kind {kind}")
    return module, field, kind


def hook_imports(secs):
    found = []
    for sid, _, payload in secs:
        if sid == 2:
            r = Reader(payload, "import section")
            for _ in range(r.u32()):
                module, field, kind = read_import(r)
                if module in ("wasm-instrument:hooks/trace@0.1.0", "dylibso:observe/instrument"):
                    found.append((module, field, kind))
    return found


def check_producers(payload):
    r = Reader(payload, "producers section")
    selves = 0
    for _ in range(r.u32()):
        field = r.name()
        for _ in range(r.u32()):
            value, version = r.name(), r.name()
            if field == "processed-by" and value == "wasm-instrument":
                selves += 1
    r.end()
    if selves != 1:
        raise Bad(f"producers section: processed-by lists wasm-instrument {selves} times")


def check_names(payload, total):
    r = Reader(payload, "name section")
    last_id = -1
    while r.left():
        sub_id = r.byte()
        sub = Reader(r.bytes(r.u32()), f"name subsection {sub_id}")
        if sub_id <= last_id:
            raise Bad(f"name section: subsection {sub_id} after {last_id}")
        last_id = sub_id
        if sub_id == 1:
            last = -1
            for _ in range(sub.u32()):
                index = sub.u32()
                sub.name()
                if index <= last:
                    raise Bad(f"name section: function index {index} after {last}")
                if index >= total:
                    raise Bad(f"name section: function index {index} >= {total} functions")
                last = index
            sub.end()


def export_count(secs):
    for sid, _, payload in secs:
        if sid == 7:
            return Reader(payload, "export section").u32()
    return 0


def function_names(secs):
    """The name section's function names: {index: name}."""
    names = {}
    for sid, cname, payload in secs:
        if sid == 0 and cname == "name":
            r = Reader(payload, "name section")
            while r.left():
                sub_id = r.byte()
                sub = Reader(r.bytes(r.u32()), "name subsection")
                if sub_id == 1:
                    for _ in range(sub.u32()):
                        index = sub.u32()
                        names[index] = sub.name()
    return names


def zigzag_step(base, z):
    """base plus the signed difference z encodes, modulo 2^32."""
    d = -((z + 1) >> 1) if z & 1 else z >> 1
    return (base + d) & 0xFFFFFFFF


def check_sites_v2(r, total, imported, exports, names):
    count = r.u32()
    if count > r.left() // 2:
        raise Bad(f"site table: {count} sites in {r.left()} bytes")
    pool = [r.name() for _ in range(r.u32())]
    inp = offset = export = 0
    for i in range(count):
        head = r.byte()
        kind, flags = head & 3, (head >> 2) & 7
        if kind > 2:
            raise Bad(f"site table: site {i} has kind {kind}")
        if head & 0x80 and (kind == 1 or head & 0x20):
            raise Bad(f"site table: site {i} has head byte 0x{head:02x}")
        inp = zigzag_step(inp, r.u32())
        if not head & 0x40:
            offset = zigzag_step(0, r.u32())
        output_index = (inp + offset) & 0xFFFFFFFF
        if output_index >= total:
            raise Bad(f"site table: site {i} output index {output_index} >= {total} functions")
        if head & 0x20:
            for _ in range(4):
                if r.u32() >= len(pool):
                    raise Bad(f"site table: site {i} names a string out of range")
            continue
        if flags & 4 and output_index not in names:
            raise Bad(f"site table: named site {i}: function {output_index} has no name")
        if kind == 0:
            display = 6 if head & 0x80 else r.u32()  # next export: one step on
            if display and display & 1 and display >> 1 >= len(pool):
                raise Bad(f"site table: site {i} names a string out of range")
            if display and not display & 1:
                export = zigzag_step(export, display // 2 - 1)
                if export >= exports:
                    raise Bad(f"site table: site {i} names export {export} of {exports}")
        elif kind == 1:
            if output_index >= imported:
                raise Bad(f"site table: import site {i} on function {output_index}, not an import")
        else:
            export = (export + 1) & 0xFFFFFFFF if head & 0x80 else zigzag_step(export, r.u32())
            if export >= exports:
                raise Bad(f"site table: site {i} names export {export} of {exports}")


def check_sites(payload, total, imported, exports, names):
    r = Reader(payload, "site table")
    version = r.u32()
    if version == 2:
        check_sites_v2(r, total, imported, exports, names)
        r.end()
        return
    if version != 1:
        raise Bad(f"site table: version {version}")
    for i in range(r.u32()):
        kind, flags = r.byte(), r.byte()
        r.u32()
        output_index = r.u32()
        display, symbol, module, field = r.name(), r.name(), r.name(), r.name()
        if kind > 2:
            raise Bad(f"site table: site {i} has kind {kind}")
        if flags & ~0x07:
            raise Bad(f"site table: site {i} has flags 0x{flags:02x}")
        if output_index >= total:
            raise Bad(f"site table: site {i} output index {output_index} >= {total} functions")
        if kind == 1 and not display:
            raise Bad(f"site table: import site {i} has an empty display name")
    r.end()


def check(input_path, output_path):
    inp = sections(open(input_path, "rb").read(), "input") if input_path != "-" else []
    out = sections(open(output_path, "rb").read(), "output")
    last = -1
    seen = set()
    for sid, _, _ in out:
        if sid == 0:
            continue
        if sid not in ORDER:
            raise Bad(f"unknown section id {sid}")
        if sid in seen or ORDER[sid] < last:
            raise Bad(f"section {sid} out of order or repeated")
        seen.add(sid)
        last = ORDER[sid]
    imported, defined = function_count(out)
    total = imported + defined
    customs = [(n, p) for sid, n, p in out if sid == 0]
    producers = [p for n, p in customs if n == "producers"]
    if len(producers) != 1:
        raise Bad(f"{len(producers)} producers sections")
    check_producers(producers[0])
    names = [p for n, p in customs if n == "name"]
    if len(names) > 1:
        raise Bad(f"{len(names)} name sections")
    if names:
        check_names(names[0], total)
    sites = [p for n, p in customs if n == "wasm-instrument.sites"]
    if len(sites) != 1:
        raise Bad(f"{len(sites)} wasm-instrument.sites sections")
    check_sites(sites[0], total, imported, export_count(out), function_names(out))
    had_features = any(sid == 0 and n == "target_features" for sid, n, _ in inp)
    has_features = any(n == "target_features" for n, _ in customs)
    if has_features and not had_features and input_path != "-":
        raise Bad("target_features section in the output but not in the input")
    for module, field, kind in hook_imports(out):
        if kind != 0:
            raise Bad(f"hook import {module}.{field} is not a function")


def main():
    args = sys.argv[1:]
    bad = False
    for input_path, output_path in zip(args[0::2], args[1::2]):
        try:
            check(input_path, output_path)
        except Bad as e:
            print(f"BAD {output_path}: {e}")
            bad = True
        except Exception as e:  # a checker bug must not pass silently
            print(f"BAD {output_path}: checker error {type(e).__name__}: {e}")
            bad = True
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
