"""A minimal writer of OLE compound files (MS-CFB version 3: 512-byte sectors, mini stream below 4,096 bytes),
enough to package an HWP 5 document. Storages and streams are given as paths; no DIFAT (files up to ~7 MB)."""
from __future__ import annotations

import struct

SECTOR, MINI, CUTOFF = 512, 64, 4096
FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _sectors(n_bytes: int, size: int) -> int:
    return -(-n_bytes // size)


def _order(name: str) -> tuple[int, str]:
    return len(name), name.upper()  # the directory's sibling order


def _entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
    encoded = name.encode("utf-16-le") + b"\0\0" if name else b""
    return struct.pack("<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, 1, NOSTREAM, right, child, b"", 0, 0, 0,
                       start, size)


def compound_file(streams: dict[tuple[str, ...], bytes]) -> bytes:
    """Bytes of a compound file holding ``streams`` (path → data); storages are made from the paths."""
    nodes: dict[tuple[str, ...], list[tuple[str, ...]]] = {(): []}  # storage → children
    for path in streams:
        for depth in range(1, len(path) + 1):
            parent, node = path[: depth - 1], path[:depth]
            nodes.setdefault(parent, [])
            if node not in nodes[parent]:
                nodes[parent].append(node)
            if depth < len(path):
                nodes.setdefault(node, [])
    order = [()] + [p for p in sorted({n for kids in nodes.values() for n in kids}, key=lambda p: (len(p), p))]
    ids = {p: i for i, p in enumerate(order)}

    fat: list[int] = []

    def chain(n: int) -> int:
        start = len(fat)
        fat.extend(range(start + 1, start + n))
        fat.append(END)
        return start if n else END

    mini_data, mini_fat, starts = b"", [], {}
    for path, data in streams.items():
        if len(data) < CUTOFF:
            n = _sectors(len(data), MINI)
            starts[path] = len(mini_fat) if n else END
            mini_fat.extend(range(len(mini_fat) + 1, len(mini_fat) + n))
            mini_fat += [END] * bool(n)
            mini_data += data.ljust(n * MINI, b"\0")
    root_start = chain(_sectors(len(mini_data), SECTOR))
    body = mini_data.ljust(_sectors(len(mini_data), SECTOR) * SECTOR, b"\0")
    for path, data in streams.items():
        if len(data) >= CUTOFF:
            starts[path] = chain(_sectors(len(data), SECTOR))
            body += data.ljust(_sectors(len(data), SECTOR) * SECTOR, b"\0")
    mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
    n_minifat = _sectors(len(mini_fat_bytes), SECTOR)
    minifat_start = chain(n_minifat)
    body += mini_fat_bytes.ljust(n_minifat * SECTOR, b"\xff")

    entries = []
    for p in order:
        kids = sorted(nodes.get(p, []), key=lambda k: _order(k[-1]))
        siblings = sorted(nodes[p[:-1]], key=lambda k: _order(k[-1])) if p else []
        right = ids[siblings[siblings.index(p) + 1]] if p and siblings.index(p) + 1 < len(siblings) else NOSTREAM
        child = ids[kids[0]] if kids else NOSTREAM
        if p == ():
            entries.append(_entry("Root Entry", 5, child, NOSTREAM, root_start, len(mini_data)))
        elif p in streams:
            entries.append(_entry(p[-1], 2, NOSTREAM, right, starts[p], len(streams[p])))
        else:
            entries.append(_entry(p[-1], 1, child, right, 0, 0))
    while len(entries) % (SECTOR // 128):
        entries.append(_entry("", 0, NOSTREAM, NOSTREAM, 0, 0))
    dir_start = chain(len(entries) * 128 // SECTOR)
    body += b"".join(entries)

    n_fat = 1
    while n_fat * SECTOR // 4 < len(fat) + n_fat:
        n_fat += 1
    fat_start = len(fat)
    fat += [FATSECT] * n_fat
    fat += [FREE] * (n_fat * SECTOR // 4 - len(fat))
    body += struct.pack(f"<{len(fat)}I", *fat)
    difat = list(range(fat_start, fat_start + n_fat)) + [FREE] * (109 - n_fat)
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII109I", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"", 0x3E, 3, 0xFFFE, 9, 6,
                         b"", 0, n_fat, dir_start, 0, CUTOFF, minifat_start if n_minifat else END, n_minifat, END, 0,
                         *difat)
    return header + body
