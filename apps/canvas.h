#pragma once
// A small raster to draw figures on (nst visualize): filled rectangles, lines, text in a 3×5
// pixel font, and the viridis colour map. Coordinates are pixels, (0, 0) at the top left;
// whatever falls outside the canvas is clipped.
#include <string>

#include "apps/image.h"

namespace nst {

struct Rgb {
  float r = 0, g = 0, b = 0;  // 0–255
};

// Viridis (perceptually uniform, readable in grey): t in [0, 1] → dark blue … yellow; t is clamped.
Rgb viridis(double t);

class Canvas {
 public:
  Canvas(int width, int height, Rgb background);

  int width() const { return image_.width; }
  int height() const { return image_.height; }

  void pixel(int x, int y, Rgb colour);
  void rectangle(int x, int y, int width, int height, Rgb colour);
  void line(int x0, int y0, int x1, int y1, Rgb colour);  // Bresenham, both ends drawn
  // Text with its top left corner at (x, y), each font pixel drawn as scale × scale; characters the
  // font lacks are drawn as a box. Returns the text's width in pixels.
  int text(int x, int y, const std::string& s, Rgb colour, int scale = 2);
  static int text_width(const std::string& s, int scale = 2);
  static int text_height(int scale = 2) { return 5 * scale; }

  const Image& image() const { return image_; }

 private:
  Image image_;
};

}  // namespace nst
