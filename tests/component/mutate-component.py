#!/usr/bin/env python3
"""Writes mutated copies of a component for the bad-input tests.

    mutate-component.py SEED COUNT IN.wasm OUTDIR

Each OUTDIR/case-N.wasm is IN.wasm with one kind of damage: truncated at a
random point, one to three bytes changed inside the component layer's own
sections (not inside its core modules, which the module tests cover), a
section's size made to lie, a section's id changed, or a section's entry
count changed. Deterministic for a given SEED.
"""
import random
import sys


def read_u32(data, pos):
    result, shift = 0, 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, pos


def encode_u32(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def sections(data):
    """(id, header start, payload start, end) of each top-level section."""
    found, pos = [], 8
    while pos < len(data):
        start = pos
        sid = data[pos]
        size, pos = read_u32(data, pos + 1)
        found.append((sid, start, pos, pos + size))
        pos += size
    return found


def mutate(rng, data, secs):
    data = bytearray(data)
    kind = rng.randrange(5)
    own = [s for s in secs if s[0] not in (0, 1) and s[3] > s[2]]
    if kind == 0 or not own:
        return bytes(data[: rng.randrange(8, len(data))])
    sid, start, payload, end = rng.choice(own)
    if kind == 1:
        for _ in range(rng.randint(1, 3)):
            data[rng.randrange(payload, end)] = rng.randrange(256)
        return bytes(data)
    if kind == 2:
        size = end - payload
        lie = rng.choice([size + 1, size + rng.randint(2, 1000), max(0, size - 1), rng.randrange(size + 1)])
        return bytes(data[: start + 1]) + encode_u32(lie) + bytes(data[payload:])
    if kind == 3:
        data[start] = rng.choice([2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 200])
        return bytes(data)
    count, after = read_u32(data, payload)
    new = rng.choice([count + 1, count + 100, 0, 0xFFFFFFFF]) & 0xFFFFFFFF
    body = encode_u32(new) + bytes(data[after:end])
    return bytes(data[: start + 1]) + encode_u32(len(body)) + body + bytes(data[end:])


def main():
    seed, count, path, outdir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    rng = random.Random(seed)
    data = open(path, "rb").read()
    secs = sections(data)
    for i in range(count):
        with open(f"{outdir}/case-{i}.wasm", "wb") as out:
            out.write(mutate(rng, data, secs))


if __name__ == "__main__":
    main()
