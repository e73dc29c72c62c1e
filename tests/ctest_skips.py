#!/usr/bin/env python3
"""ctest_skips.py JUNIT.xml NAME: how many tests ctest skipped in that run (NAME) and why.

tests/run_tests.sh runs ctest with --output-junit and prints this line in its summary. A GoogleTest
GTEST_SKIP() prints "<file>:<line>: Skipped", then its message, then "[  SKIPPED ] <test>"; ctest
marks such a test as skipped (gtest_discover_tests' SKIP_REGULAR_EXPRESSION). The reason is the
message, its first line, grouped and counted; a skip without one is counted as "(no reason given)".
"""
import collections
import re
import sys
import xml.etree.ElementTree as ElementTree


def skip_reason(output):
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if re.search(r":\d+: Skipped$", line.strip()):
            following = [l.strip() for l in lines[i + 1:] if l.strip()]
            if following and not following[0].startswith("[  SKIPPED ]"):
                return following[0]
    return "(no reason given)"


def main():
    path, name = sys.argv[1], sys.argv[2]
    suite = ElementTree.parse(path).getroot()
    reasons = collections.Counter()
    for case in suite.iter("testcase"):
        if case.find("skipped") is None and case.get("status") not in ("notrun", "skipped"):
            continue
        reasons[skip_reason(case.findtext("system-out") or "")] += 1
    total = sum(reasons.values())
    if not total:
        print(f"  {name}: 0 tests skipped")
        return
    print(f"  {name}: {total} tests skipped:")
    for reason, count in reasons.most_common():
        print(f"    {count} × {reason}")


if __name__ == "__main__":
    main()
