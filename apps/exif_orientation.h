#pragma once
// EXIF orientation (TIFF 6.0 tag 0x0112, in a JPEG's APP1 "Exif" segment): how the camera's
// stored rows and columns map onto the upright scene. Phones store the sensor's rows as they came
// and set this tag instead of rotating the pixels; applying it makes their photos upright.
//
//   value  row 0 of the stored image is the scene's …  column 0 is the scene's …   i.e.
//     1    top                                         left                      as stored
//     2    top                                         right                     mirrored left-right
//     3    bottom                                      right                     rotated 180°
//     4    bottom                                      left                      mirrored top-bottom
//     5    left                                        top                       transposed
//     6    right                                       top                       rotate 90° clockwise
//     7    right                                       bottom                    transverse
//     8    left                                        bottom                    rotate 90° anticlockwise
#include <cstddef>
#include <cstdint>

#include "apps/image_codecs.h"

namespace nst {

// The orientation in an APP1 segment's payload (starting "Exif\0\0", then a TIFF header in either
// byte order, "II" little- or "MM" big-endian): 1 … 8, or 1 when the segment is not Exif, has no
// orientation tag in IFD0, or is malformed. Every read is bounds-checked against `size`.
int exif_orientation(const std::uint8_t* segment, std::size_t size);

// `stored` made upright by `orientation` (1 … 8; any other value leaves it as stored). For 5 … 8
// width and height swap.
Rgb8Image apply_exif_orientation(const Rgb8Image& stored, int orientation);

}  // namespace nst
