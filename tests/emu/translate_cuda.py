#!/usr/bin/env python3
"""Rewrites a CUDA source (.cu or .cuh) into host C++ for the emulator (tests/emu/README.md).

Four mechanical rewrites, each kept on the lines it replaces so that `#line` keeps every report
pointing at the original file and line:
  kernel<<<grid, block[, shared[, stream]]>>>(args);
      -> ::emu::launch(::emu::LaunchConfig("kernel", __FILE__, __LINE__, grid, block, ...),
                       [](auto... a) { kernel(a...); }, args);
  __shared__ T name[...], other;   (inside a function)
      -> static T name[...], other; ::emu::shared_declared(&name, sizeof(name)); ...
  __device__ T name[...];          (at namespace scope, a variable: no parenthesis)
      -> the same, and a registration for the race check.
  #pragma unroll [N]
      -> #pragma GCC unroll N, N = 64 without a count (GCC ignores `#pragma unroll`; nvcc unrolls
         such a loop of constant trip count completely, and so does GCC with a factor at least the
         trip count, where its own size limits, counting the sanitizers' checks, might stop short).
Everything else is left as it is: the rewrites look for their patterns in the code alone, never in a
comment or a string or character literal (which they leave untouched), and every rewrite keeps the
number of lines it replaces. Usage: translate_cuda.py SOURCE OUTPUT
"""
import os
import re
import sys

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


# The lexemes code_only() tells apart: identifiers and numbers (whose ' is a digit separator, as in
# 1'000), which are code, and comments and string and character literals, which are not.
LEXEME = re.compile(r"""[A-Za-z_]\w*|\.?\d(?:[eEpP][+-]|[\w.'])*|(//[^\n]*|/\*.*?(?:\*/|\Z)"""
                    r"""|"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?)""", re.S)


def code_only(text):
    """`text` with every comment and string or character literal blanked out: each of their
    characters but the newlines becomes a space, so that offsets and line numbers stay those of
    `text` and a pattern found in the result is code."""
    return LEXEME.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)) if m.group(1) else m.group(0), text)


def substitute_in_code(pattern, replace, text, flags=0):
    """re.sub of `pattern` over the code of `text` (code_only): `replace(group)` gets a function that
    returns a group's text as written in `text`."""
    out, pos = [], 0
    for match in re.finditer(pattern, code_only(text), flags):
        out.append(text[pos:match.start()])
        out.append(replace(lambda g, m=match: text[m.start(g):m.end(g)]))
        pos = match.end()
    out.append(text[pos:])
    return "".join(out)


def same_lines(replacement, replaced):
    """`replacement`, followed by as many newlines as it lacks to span the lines `replaced` spans."""
    return replacement + "\n" * (replaced.count("\n") - replacement.count("\n"))


def fail(path, text, offset, what):
    line = text.count("\n", 0, offset) + 1
    sys.exit(f"{path}:{line}: translate_cuda.py: {what}")


def matching(text, start, opening, closing):
    """Index just past the bracket that closes the one at text[start]."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == opening:
            depth += 1
        elif text[i] == closing:
            depth -= 1
            if depth == 0:
                return i + 1
    return -1


def callee_start(text, end):
    """Start of the kernel expression that ends at `end` (a name, `::` and template arguments)."""
    i = end
    while True:
        if i > 0 and text[i - 1] == ">":  # template arguments: walk back to the matching '<'
            depth = 0
            while i > 0:
                i -= 1
                if text[i] == ">":
                    depth += 1
                elif text[i] == "<":
                    depth -= 1
                    if depth == 0:
                        break
        j = i
        while j > 0 and (text[j - 1].isalnum() or text[j - 1] == "_"):
            j -= 1
        if j == i:
            return i
        i = j
        if text[i - 2:i] == "::":
            i -= 2
            continue
        return i


def rewrite_launches(path, text):
    code = code_only(text)  # where to look; the pieces of the call are taken from `text`
    out, pos = [], 0
    while True:
        at = code.find("<<<", pos)
        if at < 0:
            break
        start = callee_start(code, at)
        kernel = text[start:at]
        if not kernel:
            fail(path, text, at, "no kernel name before <<<")
        close = code.find(">>>", at)
        if close < 0:
            fail(path, text, at, "no >>> after <<<")
        config = text[at + 3:close]
        paren = close + 3
        while paren < len(code) and code[paren].isspace():
            paren += 1
        if paren == len(code) or code[paren] != "(":
            fail(path, text, at, "a launch's arguments must follow >>>")
        args_end = matching(code, paren, "(", ")")
        if args_end < 0:
            fail(path, text, at, "a launch's arguments have no closing parenthesis")
        args = text[paren + 1:args_end - 1]
        name = " ".join(kernel.split())  # on one line: the call spans the lines of the launch
        call = (f'::emu::launch(::emu::LaunchConfig("{name}", __FILE__, __LINE__, {config}), '
                f"[](auto... emu_argument) {{ {name}(emu_argument...); }}")
        call += (", " + args if args.strip() else "") + ")"
        out.append(text[pos:start])
        out.append(same_lines(call, text[start:args_end]))
        pos = args_end
    out.append(text[pos:])
    return "".join(out)


def declared_names(declaration):
    """The variable names of `T a[3], b` (top-level commas; the name before any '[')."""
    names, depth, current = [], 0, ""
    for ch in declaration + ",":
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        if ch == "," and depth == 0:
            head = current.split("[")[0]
            found = IDENTIFIER.findall(head)
            if not found:
                return []
            names.append(found[-1])
            current = ""
        else:
            current += ch
    return names


def rewrite_shared(path, text):
    def replace(group):
        declaration = group(1)
        names = declared_names(declaration)
        if not names:
            fail(path, text, text.find(group(0)), "cannot read the names of a __shared__ declaration")
        registrations = " ".join(f"::emu::shared_declared(&{n}, sizeof({n}));" for n in names)
        return same_lines(f"static {declaration}; {registrations}", group(0))

    extern = re.search(r"extern\s+__shared__", code_only(text))
    if extern:
        fail(path, text, extern.start(), "dynamic (extern) __shared__ memory is not emulated")
    return substitute_in_code(r"__shared__\s+([^;{}]*?);", replace, text)


def rewrite_device_variables(path, text):
    def replace(group):
        declaration = group(1)
        names = declared_names(declaration)
        registrations = " ".join(
            f'[[maybe_unused]] const bool emu_registered_{n} = ::emu::device_variable_declared(&{n}, sizeof({n}), "{n}");'
            for n in names)
        return same_lines(f"__device__ {declaration}; {registrations}", group(0))

    # A line that starts with __device__ and declares, without a parenthesis, up to its ';'.
    return substitute_in_code(r"^__device__\s+((?:__align__\(\d+\)\s+)?[^;(){}=]*?);", replace, text, flags=re.M)


def rewrite_unroll(text):
    def replace(group):
        count = group(2) or "64"
        return f"{group(1)}#pragma GCC unroll {count}"

    return substitute_in_code(r"^([ \t]*)#pragma[ \t]+unroll(?:[ \t]+(\d+))?[ \t]*$", replace, text, flags=re.M)


def main():
    source, output = sys.argv[1], sys.argv[2]
    with open(source, encoding="utf-8") as f:
        text = f.read()
    text = rewrite_unroll(rewrite_device_variables(source, rewrite_shared(source, rewrite_launches(source, text))))
    os.makedirs(os.path.dirname(output), exist_ok=True)
    translated = f'#line 1 "{os.path.abspath(source)}"\n{text}'
    # Write only when the text changes, so that an unchanged translation rebuilds nothing.
    if os.path.exists(output):
        with open(output, encoding="utf-8") as f:
            if f.read() == translated:
                return
    with open(output, "w", encoding="utf-8") as f:
        f.write(translated)


if __name__ == "__main__":
    main()
