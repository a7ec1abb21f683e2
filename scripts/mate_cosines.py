#!/usr/bin/env python3
# Copyright 2026 The Candor Authors.
#
# The genuine-pair cosine quantiles the compressed index's recall tuner draws
# its held-back probes from (src/search/mate_probes.cc, DefaultMateCosines).
#
#   scripts/mate_cosines.py EMBEDDING_CACHE
#
# EMBEDDING_CACHE: a "candor-embeddings 1" file of the default model over LFW
# (written by `candor eval identify`). Prints the first-vs-second-image cosine
# quantiles and 64 quantiles ((i + 0.5) / 64) of all same-identity pairs, each
# identity weighted equally (its first 40 images). Only these summary numbers
# leave the script. Pure Python (no numpy); about 10 s.
import json
import math
import struct
import sys
from collections import defaultdict
from operator import mul


def main(path):
    b = open(path, 'rb').read()
    n1 = b.index(b'\n')
    n2 = b.index(b'\n', n1 + 1)
    head = json.loads(b[n1 + 1:n2])
    dim, at = head['dim'], n2 + 1
    vecs, ids = [], []
    for e in head['entries']:
        if not e['ok']:
            continue
        v = struct.unpack_from(f'{dim}f', b, at)
        at += 4 * dim
        n = math.sqrt(sum(x * x for x in v))
        vecs.append([x / n for x in v])
        ids.append(e['identity'])
    by = defaultdict(list)
    for i, k in enumerate(ids):
        by[k].append(i)
    dot = lambda a, c: sum(map(mul, a, c))
    first = sorted(dot(vecs[v[0]], vecs[v[1]]) for v in by.values() if len(v) >= 2)
    q = lambda s, u: s[min(len(s) - 1, int(u * len(s)))]
    print('first vs second image: %d identities, mean %.3f, quantiles 0.5/1/5/50 %%: %s' %
          (len(first), sum(first) / len(first), [round(q(first, u), 3) for u in (0.005, 0.01, 0.05, 0.5)]))
    pairs = []
    for v in by.values():
        if len(v) < 2:
            continue
        v = v[:40]
        s = [dot(vecs[v[i]], vecs[v[j]]) for i in range(len(v)) for j in range(i + 1, len(v))]
        pairs.extend((x, 1.0 / len(s)) for x in s)
    pairs.sort()
    total = sum(w for _, w in pairs)
    table, acc, i = [], 0.0, 0
    for k in range(64):
        u = (k + 0.5) / 64 * total
        while acc + pairs[i][1] < u:
            acc += pairs[i][1]
            i += 1
        table.append(pairs[i][0])
    print('identity-weighted mean %.3f' % (sum(x * w for x, w in pairs) / total))
    print(', '.join('%.3ff' % x for x in table))


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit('usage: mate_cosines.py EMBEDDING_CACHE')
    main(sys.argv[1])
