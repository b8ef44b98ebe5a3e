#!/usr/bin/env python3
"""Benchmark data: police.uk street files repeated as copies FIRST..FIRST+COUNT-1, each copy's
Crime IDs made distinct by shifting the first byte by 25 x copy (mod 256); copy 0 is the
files as they are. Usage: street-copies.py OUT FIRST COUNT STREET_CSV..."""
import sys

out_path, first, count, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
with open(out_path, 'w', newline='') as out:
    head = None
    for k in range(first, first + count):
        for f in files:
            with open(f, newline='', encoding='utf-8') as fh:
                h = fh.readline()
                if head is None:
                    head = h
                    out.write(h)
                for line in fh:
                    if k and line[0] != ',':
                        line = f"{(int(line[:2], 16) + 25 * k) % 256:02x}" + line[2:]
                    out.write(line)
