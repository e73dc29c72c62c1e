#!/usr/bin/env python3
"""Tests of translate_cuda.py (ctest -L emu: emu_translate_cuda): each rewrite applies to code and
to nothing inside a comment or a string or character literal, and the translation keeps every line
where it was, so that `#line` points every report at the original line."""
import os
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import translate_cuda  # noqa: E402


def translate(source):
    """The translation of `source`, as translate_cuda.py writes it, without its `#line 1` header."""
    with tempfile.TemporaryDirectory() as folder:
        path, output = os.path.join(folder, "k.cu"), os.path.join(folder, "k.cu.cpp")
        with open(path, "w", encoding="utf-8") as f:
            f.write(source)
        sys.argv = ["translate_cuda.py", path, output]
        translate_cuda.main()
        with open(output, encoding="utf-8") as f:
            header, translated = f.read().split("\n", 1)
    assert header == f'#line 1 "{path}"', header
    return translated


def launch(kernel, config, args):
    """translate_cuda.py's rewrite of `kernel<<<config>>>(args)`."""
    return (f'::emu::launch(::emu::LaunchConfig("{kernel}", __FILE__, __LINE__, {config}), '
            f"[](auto... emu_argument) {{ {kernel}(emu_argument...); }}, {args})")


class LaunchesOutsideCode(unittest.TestCase):
    def test_comments_and_literals_are_left_as_they_are_and_the_launches_stay_on_their_lines(self):
        source = ("void run(float* x) {\n"
                  "  // k<<<1, 32>>>(x) in a comment, and a bare <<< too\n"
                  "  /* a block comment: k<<<1, 32>>>(x); <<< */ k<<<1, 32>>>(x);\n"
                  "  /* over two lines: <<<\n"
                  "     >>> */ k<<<2, 64>>>(x);\n"
                  '  const char* s = "k<<<1, 1>>>(x) \\" <<<"; k<<<3, 96>>>(x);\n'
                  "  const char c = '<'; k<<<4, 128>>>(x);  // k<<<9>>>\n"
                  "  k<<<5, 160>>>(x);\n"
                  "}\n")
        expected = ("void run(float* x) {\n"
                    "  // k<<<1, 32>>>(x) in a comment, and a bare <<< too\n"
                    f"  /* a block comment: k<<<1, 32>>>(x); <<< */ {launch('k', '1, 32', 'x')};\n"
                    "  /* over two lines: <<<\n"
                    f"     >>> */ {launch('k', '2, 64', 'x')};\n"
                    f'  const char* s = "k<<<1, 1>>>(x) \\" <<<"; {launch("k", "3, 96", "x")};\n'
                    f"  const char c = '<'; {launch('k', '4, 128', 'x')};  // k<<<9>>>\n"
                    f"  {launch('k', '5, 160', 'x')};\n"
                    "}\n")
        self.assertEqual(translate(source), expected)

    def test_a_launch_over_several_lines_keeps_the_lines_after_it_in_place(self):
        source = ("  k<<<grid, block, 0,\n"
                  "    stream>>>\n"
                  "      (a, /* ) */ \")\",\n"
                  "       b);\n"
                  "  k<<<1, 1>>>(c);\n")
        translated = translate(source).split("\n")
        self.assertEqual(len(translated), len(source.split("\n")))
        self.assertEqual(translated[0], '  ::emu::launch(::emu::LaunchConfig("k", __FILE__, __LINE__, grid, block, 0,')
        self.assertEqual(translated[1],
                         '    stream), [](auto... emu_argument) { k(emu_argument...); }, a, /* ) */ ")",')
        self.assertEqual(translated[2], "       b)")
        self.assertEqual(translated[3], ";")  # the line the call is short of
        self.assertEqual(translated[4], f"  {launch('k', '1, 1', 'c')};")

    def test_a_digit_separator_is_not_a_character_literal(self):
        source = "  k<<<1'000, 32>>>(x); f('<'); k<<<2, 32>>>(y);\n"
        expected = f"  {launch('k', '1' + chr(39) + '000, 32', 'x')}; f('<'); {launch('k', '2, 32', 'y')};\n"
        self.assertEqual(translate(source), expected)


class DeclarationsOutsideCode(unittest.TestCase):
    def test_shared_device_and_unroll_rewrite_code_only(self):
        source = ("__device__ int counter;\n"
                  "// __device__ int not_a_variable;\n"
                  "void f() {\n"
                  "  /* __shared__ float not_shared[4]; */ __shared__ float tile[4];\n"
                  '  const char* s = "__shared__ float neither[2];";\n'
                  "  /*\n"
                  "#pragma unroll\n"
                  "  */\n"
                  "#pragma unroll\n"
                  "  for (;;) {}\n"
                  "}\n")
        expected = ("__device__ int counter; [[maybe_unused]] const bool emu_registered_counter = "
                    '::emu::device_variable_declared(&counter, sizeof(counter), "counter");\n'
                    "// __device__ int not_a_variable;\n"
                    "void f() {\n"
                    "  /* __shared__ float not_shared[4]; */ static float tile[4]; "
                    "::emu::shared_declared(&tile, sizeof(tile));\n"
                    '  const char* s = "__shared__ float neither[2];";\n'
                    "  /*\n"
                    "#pragma unroll\n"
                    "  */\n"
                    "#pragma GCC unroll 64\n"
                    "  for (;;) {}\n"
                    "}\n")
        self.assertEqual(translate(source), expected)

    def test_a_shared_declaration_over_two_lines_keeps_its_lines(self):
        source = "  __shared__ float a[4],\n      b[8];\n  x = 1;\n"
        translated = translate(source).split("\n")
        self.assertEqual(len(translated), 4)
        self.assertEqual(translated[2], "  x = 1;")

    def test_extern_shared_in_a_comment_is_no_error(self):
        source = "// extern __shared__ float dynamic[];\n__shared__ float a;\n"
        self.assertIn("static float a;", translate(source))


if __name__ == "__main__":
    unittest.main()
