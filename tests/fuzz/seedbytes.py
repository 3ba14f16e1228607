#!/usr/bin/env python3
"""Writes N pseudo-random bytes for seed S to stdout: the input of
`wasm-opt --translate-to-fuzz`. Python's Mersenne Twister is specified, so the
same seed gives the same bytes on every machine and Python 3 version >= 3.9.

    seedbytes.py SEED SIZE > input.bin
"""
import random
import sys

seed, size = int(sys.argv[1]), int(sys.argv[2])
sys.stdout.buffer.write(random.Random(seed).randbytes(size))
