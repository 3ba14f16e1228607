#!/usr/bin/env python3
"""Writes the libFuzzer seed corpus, tests/fuzz/corpus/*.wasm: tiny modules that
reach every branch of the scanner, the name rewriter, the producers rewriter and
the element-item rewriter.
The .wasm files are committed; rerun this after changing it.

    tests/fuzz/make-corpus.py [OUTDIR]
"""
import os
import sys


def leb(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def name(s):
    b = s.encode() if isinstance(s, str) else s
    return leb(len(b)) + b


def vec(items):
    return leb(len(items)) + b"".join(items)


def section(sid, payload):
    return bytes([sid]) + leb(len(payload)) + payload


def custom(cname, payload):
    return section(0, name(cname) + payload)


HEADER = b"\0asm\1\0\0\0"
TYPES = section(1, vec([b"\x60\x00\x00", b"\x60\x01\x7f\x01\x7f"]))


def code(bodies):
    return section(10, vec([leb(len(b)) + b for b in bodies]))


def module(*sections):
    return HEADER + b"".join(sections)


def names_section(funcs, module_name="m", locals_=True):
    subs = section(0, name(module_name))  # a subsection has the same framing
    subs += section(1, vec([leb(i) + name(n) for i, n in funcs]))
    if locals_:
        subs += section(2, vec([leb(0) + vec([leb(0) + name("x")])]))
    return custom("name", subs)


def producers(fields):
    return custom("producers", vec([name(f) + vec([name(n) + name(v) for n, v in vals])
                                    for f, vals in fields]))


CORPUS = {
    "empty": module(),
    "names": module(
        TYPES,
        section(2, vec([name("env") + name("f") + b"\x00\x01"])),
        section(3, vec([b"\x00", b"\x01"])),
        section(7, vec([name("run") + b"\x00\x01"])),
        code([b"\x00\x0b", b"\x00\x20\x00\x10\x00\x0b"]),
        names_section([(0, "env_f"), (1, "run"), (2, "_ZN4core3fmt5write17h0123456789abcdefE")]),
    ),
    "producers": module(
        TYPES,
        section(3, vec([b"\x00"])),
        section(13, vec([b"\x00\x00"])),  # a tag
        code([b"\x00\x0b"]),
        producers([("language", [("C11", "")]),
                   ("processed-by", [("clang", "14.0.6"), ("wasm-instrument", "0.0.1")])]),
        custom("target_features", vec([b"+" + name("exception-handling"), b"+" + name("simd128")])),
    ),
    "debug": module(
        TYPES,
        section(3, vec([b"\x00"])),
        section(8, leb(0)),  # start
        code([b"\x00\x0b"]),
        custom(".debug_info", b"\x01\x02\x03"),
        custom("sourceMappingURL", name("a.map")),
        custom("external_debug_info", name("a.debug")),
        names_section([(0, "start")], locals_=False),
    ),
    "imports": module(
        TYPES,
        section(2, vec([
            name("env") + name("t") + b"\x01\x70\x00\x01",            # table funcref min 1
            name("env") + name("t2") + b"\x01\x64\x70\x01\x01\x02",   # (ref func) table, min/max
            name("env") + name("m") + b"\x02\x05\x01\x02",            # memory64 min/max
            name("env") + name("g") + b"\x03\x7f\x01",                # mutable global
            name("env") + name("e") + b"\x04\x00\x00",                # tag
            name("env") + name("f") + b"\x00\x00",
        ])),
        section(3, vec([b"\x00"])),
        code([b"\x01\x01\x7f\x0b"]),
        custom("linking", b"\x02"),
    ),
    # Every kind of element segment (flags 0 to 7), ref.null and global.get
    # items, a typed element type.
    "elements": module(
        TYPES,
        section(2, vec([name("env") + name("f") + b"\x00\x01",
                        name("env") + name("g") + b"\x03\x70\x00"])),  # funcref global
        section(3, vec([b"\x01"])),
        section(4, vec([b"\x70\x00\x08"])),
        section(9, vec([
            b"\x00\x41\x00\x0b" + vec([leb(0), leb(1)]),
            b"\x01\x00" + vec([leb(0)]),
            b"\x02\x00\x41\x02\x0b\x00" + vec([leb(1), leb(0)]),
            b"\x03\x00" + vec([leb(1)]),
            b"\x04\x23\x00\x0b" + vec([b"\xd0\x70\x0b", b"\xd2\x00\x0b", b"\x23\x00\x0b"]),
            b"\x05\x70" + vec([b"\xd2\x00\x0b", b"\xd0\x70\x0b"]),
            b"\x06\x00\x41\x04\x0b\x6c\x01" + vec([b"\xd2\x00\x0b", b"\xd0\x01\x0b"]),
            b"\x07\x70" + vec([b"\xd2\x00\x0b"]),
        ])),
        code([b"\x00\x20\x00\x0b"]),
    ),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
    os.makedirs(out, exist_ok=True)
    for stem, data in CORPUS.items():
        with open(os.path.join(out, stem + ".wasm"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
