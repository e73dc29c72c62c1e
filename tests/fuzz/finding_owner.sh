#!/usr/bin/env bash
# Whose bug a fuzz finding is, from the report libFuzzer and the sanitizers printed (the log, $1).
# Prints "library <file>" when every stack of the report (the access, and where the memory was
# allocated or freed; for a timeout, where the target was working) reaches a frame of libhdf5,
# libpng or libjpeg before any frame of nst's own sources; otherwise "ours" — also when no stack
# decides (an RSS limit, a report this script cannot read), so that doubt fails the fuzz step rather
# than passing it. Frames of the sanitizer runtime, libFuzzer, libc and the C++ library decide
# nothing: strdup called by libhdf5 is libhdf5's call. What a library does with what we pass it is
# ours to bound before the call (weights/hdf5_read.cpp bounds the counts and widths it passes on).
set -euo pipefail
awk '
  /ERROR: (AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer|libFuzzer)/ { in_report = 1 }
  !in_report { next }
  /^SUMMARY:/ { exit }
  /^ *#[0-9]+ 0x/ {
    if ($1 == "#0") { stacks++; decided[stacks] = "" }
    if (decided[stacks] != "") next
    if (match($0, /lib(hdf5|png|jpeg)[A-Za-z0-9_.-]*\.so/)) { decided[stacks] = "library " substr($0, RSTART, RLENGTH); next }
    if ($0 ~ /\/(engine|layers|apps|weights|kernels|tests)\/[^ ]+\.(cpp|h|cu|cuh):[0-9]+/) decided[stacks] = "ours"
  }
  END {
    owner = ""
    for (i = 1; i <= stacks; i++) {
      if (decided[i] == "" || decided[i] == "ours") { print "ours"; exit }
      owner = decided[i]
    }
    print (owner == "" ? "ours" : owner)
  }
' "$1"
