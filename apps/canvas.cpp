#include "apps/canvas.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>

namespace nst {

namespace {

// The 3×5 font: each glyph is five rows of three pixels, '#' drawn. Digits, the signs of numbers
// in %g form, and the lower-case letters the figures' labels use.
struct Glyph {
  char c;
  std::array<const char*, 5> rows;
};

constexpr Glyph kFont[] = {
    {'0', {"###", "#.#", "#.#", "#.#", "###"}}, {'1', {".#.", "##.", ".#.", ".#.", "###"}},
    {'2', {"###", "..#", "###", "#..", "###"}}, {'3', {"###", "..#", "###", "..#", "###"}},
    {'4', {"#.#", "#.#", "###", "..#", "..#"}}, {'5', {"###", "#..", "###", "..#", "###"}},
    {'6', {"###", "#..", "###", "#.#", "###"}}, {'7', {"###", "..#", "..#", "..#", "..#"}},
    {'8', {"###", "#.#", "###", "#.#", "###"}}, {'9', {"###", "#.#", "###", "..#", "###"}},
    {'.', {"...", "...", "...", "...", ".#."}}, {'-', {"...", "...", "###", "...", "..."}},
    {'+', {"...", ".#.", "###", ".#.", "..."}}, {'_', {"...", "...", "...", "...", "###"}},
    {' ', {"...", "...", "...", "...", "..."}}, {'a', {"...", "##.", ".##", "#.#", "###"}},
    {'c', {"...", ".##", "#..", "#..", ".##"}}, {'e', {"...", ".##", "###", "#..", ".##"}},
    {'g', {"...", ".##", "#.#", ".##", "##."}}, {'i', {".#.", "...", ".#.", ".#.", ".#."}},
    {'l', {"##.", ".#.", ".#.", ".#.", "###"}}, {'m', {"...", "#.#", "###", "#.#", "#.#"}},
    {'n', {"...", "##.", "#.#", "#.#", "#.#"}}, {'o', {"...", ".#.", "#.#", "#.#", ".#."}},
    {'r', {"...", "#.#", "##.", "#..", "#.."}}, {'s', {"...", ".##", ".#.", "..#", "##."}},
    {'t', {".#.", "###", ".#.", ".#.", ".##"}}, {'u', {"...", "#.#", "#.#", "#.#", "###"}},
    {'v', {"...", "#.#", "#.#", "#.#", ".#."}}, {'x', {"...", "#.#", ".#.", ".#.", "#.#"}},
    {'y', {"...", "#.#", "#.#", ".#.", "#.."}},
};

constexpr Glyph kUnknown{'?', {"###", "#.#", "#.#", "#.#", "###"}};

const Glyph& glyph(char c) {
  for (const Glyph& g : kFont)
    if (g.c == c) return g;
  return kUnknown;
}

}  // namespace

Rgb viridis(double t) {
  // Five of matplotlib's viridis colours, evenly spaced, interpolated linearly.
  static constexpr float kStops[5][3] = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
  if (!(t > 0)) t = 0;  // NaN too
  if (t > 1) t = 1;
  const double position = t * 4;
  const int i = std::min(3, static_cast<int>(position));
  const float f = static_cast<float>(position - i);
  return {kStops[i][0] + f * (kStops[i + 1][0] - kStops[i][0]), kStops[i][1] + f * (kStops[i + 1][1] - kStops[i][1]),
          kStops[i][2] + f * (kStops[i + 1][2] - kStops[i][2])};
}

Canvas::Canvas(int width, int height, Rgb background) {
  image_.width = width;
  image_.height = height;
  image_.rgb.resize(std::size_t(width) * height * 3);
  rectangle(0, 0, width, height, background);
}

void Canvas::pixel(int x, int y, Rgb colour) {
  if (x < 0 || y < 0 || x >= image_.width || y >= image_.height) return;
  float* p = &image_.rgb[(std::size_t(y) * image_.width + x) * 3];
  p[0] = colour.r, p[1] = colour.g, p[2] = colour.b;
}

void Canvas::rectangle(int x, int y, int width, int height, Rgb colour) {
  for (int row = std::max(0, y); row < std::min(image_.height, y + height); ++row)
    for (int column = std::max(0, x); column < std::min(image_.width, x + width); ++column) pixel(column, row, colour);
}

void Canvas::line(int x0, int y0, int x1, int y1, Rgb colour) {
  const int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0);
  const int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
  int error = dx + dy;
  for (;;) {
    pixel(x0, y0, colour);
    if (x0 == x1 && y0 == y1) return;
    const int twice = 2 * error;
    if (twice >= dy) error += dy, x0 += sx;
    if (twice <= dx) error += dx, y0 += sy;
  }
}

int Canvas::text_width(const std::string& s, int scale) { return s.empty() ? 0 : int(s.size()) * 4 * scale - scale; }

int Canvas::text(int x, int y, const std::string& s, Rgb colour, int scale) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const Glyph& g = glyph(s[i]);
    for (int row = 0; row < 5; ++row)
      for (int column = 0; column < 3; ++column)
        if (g.rows[std::size_t(row)][column] == '#')
          rectangle(x + (int(i) * 4 + column) * scale, y + row * scale, scale, scale, colour);
  }
  return text_width(s, scale);
}

}  // namespace nst
