#!/usr/bin/env python3
"""readme_options.py - the README's option tables are `ghostlight help
TOPIC --markdown`, between markers:

    <!-- options: outputs -->
    ...generated...
    <!-- end options -->

  tools/readme_options.py GHOSTLIGHT README.md           check (exit 1 and a diff if stale)
  tools/readme_options.py GHOSTLIGHT README.md --update  rewrite the tables

CTest runs the check (tree_readme_options), so README and the adapters'
tables cannot drift apart.
"""
import difflib
import re
import subprocess
import sys

BLOCK = re.compile(r"(<!-- options: (\S+) -->\n)(.*?)(<!-- end options -->)", re.S)


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    gl, readme = sys.argv[1], sys.argv[2]
    update = "--update" in sys.argv[3:]
    text = open(readme, encoding="utf-8").read()
    topics = []

    def fill(m):
        topic = m.group(2)
        topics.append(topic)
        out = subprocess.run([gl, "help", topic, "--markdown"], check=True,
                             capture_output=True, text=True).stdout
        return m.group(1) + "\n" + out + "\n" + m.group(4)

    new = BLOCK.sub(fill, text)
    if not topics:
        print(f"{readme}: no <!-- options: TOPIC --> blocks", file=sys.stderr)
        return 1
    if new == text:
        print(f"{readme}: option tables match `ghostlight help` ({', '.join(topics)})")
        return 0
    if update:
        open(readme, "w", encoding="utf-8").write(new)
        print(f"{readme}: option tables rewritten ({', '.join(topics)})")
        return 0
    sys.stdout.writelines(difflib.unified_diff(text.splitlines(True), new.splitlines(True),
                                               readme, "ghostlight help"))
    print(f"{readme}: option tables differ from `ghostlight help`; "
          "run tools/readme_options.py GHOSTLIGHT README.md --update", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
