#!/usr/bin/env python3
"""show_variant.py - copies a show file with its output{} declarations
replaced, so a test can point the same show at the peer it runs.

    show_variant.py IN.lua OUT.lua --output 'output { "s", type = "sacn", ... }' [...]

Every top-level `output { ... }` / `output({ ... })` call is removed (braces
balanced, Lua strings and comments respected) and the given declarations go
where the first one was. Fails when the input declares no output.
"""
import argparse
import re
import sys


def skip_string_or_comment(src, i):
    """If a Lua string or comment starts at i, returns the index after it."""
    if src.startswith("--", i):
        m = re.match(r"--\[(=*)\[", src[i:])
        if m:
            end = src.find("]" + m.group(1) + "]", i + m.end())
            return len(src) if end < 0 else end + len(m.group(1)) + 2
        end = src.find("\n", i)
        return len(src) if end < 0 else end
    m = re.match(r"\[(=*)\[", src[i:])
    if m:
        end = src.find("]" + m.group(1) + "]", i + m.end())
        return len(src) if end < 0 else end + len(m.group(1)) + 2
    if src[i] in "\"'":
        q, j = src[i], i + 1
        while j < len(src) and src[j] != q:
            j += 2 if src[j] == "\\" else 1
        return j + 1
    return None


def find_outputs(src):
    """(start, end) spans of each output{...} call, end past its closing
    brace/parenthesis."""
    spans = []
    i = 0
    depth = 0
    while i < len(src):
        j = skip_string_or_comment(src, i)
        if j is not None:
            i = j
            continue
        c = src[i]
        if depth == 0:
            m = re.match(r"output\s*(\(\s*)?\{", src[i:])
            if m and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] in "_.:")):
                paren = m.group(1) is not None
                k = i + m.end()
                d = 1
                while k < len(src) and d:
                    s = skip_string_or_comment(src, k)
                    if s is not None:
                        k = s
                        continue
                    d += {"{": 1, "}": -1}.get(src[k], 0)
                    k += 1
                if paren:
                    close = re.match(r"\s*\)", src[k:])
                    if not close:
                        raise SystemExit("show_variant: unbalanced output( { ... } ) at offset %d" % i)
                    k += close.end()
                spans.append((i, k))
                i = k
                continue
        if c in "{(":
            depth += 1
        elif c in "})":
            depth -= 1
        i += 1
    return spans


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output_file")
    ap.add_argument("--output", action="append", required=True, dest="decls")
    a = ap.parse_args()
    src = open(a.input, encoding="utf-8").read()
    spans = find_outputs(src)
    if not spans:
        print("show_variant: %s declares no output{}" % a.input, file=sys.stderr)
        return 1
    out = src[:spans[0][0]] + "\n".join(a.decls)
    prev = spans[0][1]
    for s, e in spans[1:]:
        out += src[prev:s]
        prev = e
    out += src[prev:]
    with open(a.output_file, "w", encoding="utf-8") as f:
        f.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
