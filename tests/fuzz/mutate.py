#!/usr/bin/env python3
"""Deterministic mutations of valid WebAssembly modules, for the bad-input
robustness part of tests/fuzz/run.sh.

    mutate.py OUTDIR BASE.wasm...

For every base module it writes OUTDIR/<stem>.<kind>.<n>.wasm, where kind is
  trunc    truncated at every section boundary (+-1) and at random points
  flip     one bit flipped
  byte     one byte set to 0x00, 0xff, 0x80 or a random value
  insdel   one random byte inserted, or one byte deleted
  secsize  a section's size field or a section's leading count changed
           (+1, -1, 0, huge, an over-long LEB128)
  multi    three to eight of the above at once
The random choices are seeded by the base module's bytes (a CRC) and its
stem, so the same inputs give the same files. Prints one line per file:
`path kind description`.
"""
import os
import random
import sys
import zlib


def read_u32(data, pos):
    result = shift = 0
    start = pos
    while pos < len(data):
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, pos
        if pos - start >= 5:
            break
    raise ValueError("bad LEB128")


def leb(value, min_len=1):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value or len(out) + 1 < min_len:
            byte |= 0x80
        out.append(byte)
        if not value and len(out) >= min_len:
            return bytes(out)


def sections(data):
    """(id, header_start, size_field_start, payload_start, payload_end) of each section."""
    out = []
    pos = 8
    while pos < len(data):
        start = pos
        sid = data[pos]
        size, payload = read_u32(data, pos + 1)
        out.append((sid, start, pos + 1, payload, payload + size))
        pos = payload + size
    return out


def one_mutation(data, rng, secs):
    """A random single mutation of any kind but trunc and multi: (bytes, text)."""
    kind = rng.choice(["flip", "byte", "insdel", "secsize"])
    return mutate(data, kind, rng, secs)


def mutate(data, kind, rng, secs):
    d = bytearray(data)
    if kind == "flip":
        pos = rng.randrange(8, len(d)) if len(d) > 8 else rng.randrange(len(d))
        bit = rng.randrange(8)
        d[pos] ^= 1 << bit
        return bytes(d), f"flip bit {bit} of byte {pos}"
    if kind == "byte":
        pos = rng.randrange(8, len(d))
        value = rng.choice([0x00, 0xFF, 0x80, rng.randrange(256)])
        d[pos] = value
        return bytes(d), f"byte {pos} = 0x{value:02x}"
    if kind == "insdel":
        pos = rng.randrange(8, len(d))
        if rng.random() < 0.5:
            value = rng.randrange(256)
            d.insert(pos, value)
            return bytes(d), f"insert 0x{value:02x} at {pos}"
        del d[pos]
        return bytes(d), f"delete byte {pos}"
    if kind == "secsize":
        sid, start, size_at, payload, end = rng.choice(secs)
        size = end - payload
        if rng.random() < 0.6 or sid == 0:
            choice = rng.choice(["+1", "-1", "0", "huge", "overlong", "x2"])
            new = {"+1": size + 1, "-1": max(size - 1, 0), "0": 0, "huge": 0xFFFFFFFF,
                   "overlong": size, "x2": size * 2}[choice]
            field = leb(new, 5 if choice == "overlong" else 1)
            if choice == "overlong" and len(field) == 5 and field[4] & 0x80:
                field = leb(new)
            d[size_at:payload] = field
            return bytes(d), f"section {sid} at {start}: size {size} -> {choice}"
        count, after = read_u32(data, payload)
        choice = rng.choice(["+1", "-1", "huge", "overlong6"])
        if choice == "overlong6":
            field = bytes([0x80 | (count & 0x7F), 0x80, 0x80, 0x80, 0x80, 0x00])
        else:
            new = {"+1": count + 1, "-1": max(count - 1, 0), "huge": 0x7FFFFFFF}[choice]
            field = leb(new)
        d[payload:after] = field
        # Keep the section size consistent so the change reaches the section's reader.
        new_size = size - (after - payload) + len(field)
        d[size_at:payload] = leb(new_size)
        return bytes(d), f"section {sid} at {start}: count {count} -> {choice}"
    raise ValueError(kind)


def cases_for(data, stem, rng):
    secs = sections(data)
    out = []
    # Truncations: at and next to every section boundary, then random points.
    points = set()
    for _, start, size_at, payload, end in secs:
        for p in (start, start + 1, size_at + 1, payload, payload + 1, end - 1):
            if 0 < p < len(data):
                points.add(p)
    for p in (1, 4, 7, 8, 9):
        points.add(p)
    for _ in range(12):
        points.add(rng.randrange(1, len(data)))
    for p in sorted(points):
        out.append(("trunc", data[:p], f"truncated to {p} of {len(data)} bytes"))
    for kind, count in (("flip", 20), ("byte", 14), ("insdel", 14), ("secsize", 24)):
        for _ in range(count):
            out.append((kind,) + mutate(data, kind, rng, secs))
    for _ in range(12):
        d, texts = data, []
        for _ in range(rng.randrange(3, 9)):
            for _attempt in range(5):  # an earlier change may leave no sections to parse
                try:
                    d, text = one_mutation(d, rng, sections(d) or secs)
                    texts.append(text)
                    break
                except (ValueError, IndexError):
                    continue
        out.append(("multi", d, "; ".join(texts)))
    return out


def main():
    outdir, bases = sys.argv[1], sys.argv[2:]
    os.makedirs(outdir, exist_ok=True)
    for base in bases:
        data = open(base, "rb").read()
        stem = os.path.basename(base).rsplit(".", 1)[0]
        rng = random.Random(f"{stem}:{zlib.crc32(data)}")
        counters = {}
        for kind, mutated, text in cases_for(data, stem, rng):
            n = counters.get(kind, 0)
            counters[kind] = n + 1
            path = os.path.join(outdir, f"{stem}.{kind}.{n}.wasm")
            with open(path, "wb") as f:
                f.write(mutated)
            print(f"{path}\t{kind}\t{text}")


if __name__ == "__main__":
    main()
