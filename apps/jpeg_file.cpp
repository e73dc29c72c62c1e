// JPEG ↔ 8-bit RGB with libjpeg (libjpeg-turbo's libjpeg 6.2 interface).
//
// libjpeg's default error handler prints and calls exit(). Ours records the message and longjmps
// back to the setjmp in the function that called libjpeg (read_jpeg_header, start_jpeg_decoding,
// read_jpeg_rows, write_jpeg); those hold no C++ objects with destructors, so the jump skips none. A truncated file
// or corrupt entropy-coded data is only a warning to libjpeg (it pads the image with grey); we make
// those warnings errors, so a damaged file is rejected rather than half read.
#include <cstdio>
#include <csetjmp>
#include <cstdint>

#include <jpeglib.h>
#include <jerror.h>

#include "apps/exif_orientation.h"
#include "apps/image_codecs.h"
#include "engine/error.h"

namespace nst {

namespace {

struct JpegErrorHandler {
  jpeg_error_mgr manager;  // first: libjpeg hands back a pointer to it as cinfo->err
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void fail_with_message(j_common_ptr cinfo) {
  auto* handler = reinterpret_cast<JpegErrorHandler*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, handler->message);
  std::longjmp(handler->jump, 1);
}

void on_jpeg_error(j_common_ptr cinfo) { fail_with_message(cinfo); }

// msg_level −1 is a warning; the others are trace messages, which we drop.
void on_jpeg_message(j_common_ptr cinfo, int msg_level) {
  if (msg_level != -1) return;
  switch (cinfo->err->msg_code) {
    case JWRN_JPEG_EOF:       // "Premature end of JPEG file": truncated
    case JWRN_HIT_MARKER:     // "premature end of data segment"
    case JWRN_HUFF_BAD_CODE:  // corrupt entropy-coded data
    case JWRN_ARITH_BAD_CODE:
    case JWRN_MUST_RESYNC:
      fail_with_message(cinfo);
    default:
      return;  // e.g. extraneous bytes before a marker: harmless, the image is intact
  }
}

void install_error_handler(JpegErrorHandler& handler, jpeg_error_mgr*& err) {
  err = jpeg_std_error(&handler.manager);
  handler.manager.error_exit = on_jpeg_error;
  handler.manager.emit_message = on_jpeg_message;
}

struct JpegDecoder {
  jpeg_decompress_struct cinfo{};  // zeroed: jpeg_destroy is safe even if creation failed
  JpegErrorHandler error{};
  bool cmyk = false;
  JpegDecoder() { install_error_handler(error, cinfo.err); }
  ~JpegDecoder() { jpeg_destroy_decompress(&cinfo); }
  JpegDecoder(const JpegDecoder&) = delete;
  JpegDecoder& operator=(const JpegDecoder&) = delete;
};

struct JpegEncoder {
  jpeg_compress_struct cinfo{};
  JpegErrorHandler error{};
  JpegEncoder() { install_error_handler(error, cinfo.err); }
  ~JpegEncoder() { jpeg_destroy_compress(&cinfo); }
  JpegEncoder(const JpegEncoder&) = delete;
  JpegEncoder& operator=(const JpegEncoder&) = delete;
};

// Reads the header (the size the file claims) and keeps the APP1 markers, where Exif lives.
// False on an error.
bool read_jpeg_header(JpegDecoder& decoder, const FileBytes& file) {
  jpeg_decompress_struct& cinfo = decoder.cinfo;
  if (setjmp(decoder.error.jump)) return false;
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, file.data(), file.size());
  jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header(&cinfo, TRUE);
  return true;
}

// Starts decompression to RGB (CMYK for CMYK/YCCK files): the first step that allocates in
// proportion to the image (a progressive file's whole coefficient buffer). False on an error.
bool start_jpeg_decoding(JpegDecoder& decoder) {
  jpeg_decompress_struct& cinfo = decoder.cinfo;
  if (setjmp(decoder.error.jump)) return false;
  switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
    case JCS_YCbCr:
    case JCS_RGB:
      cinfo.out_color_space = JCS_RGB;
      break;
    case JCS_CMYK:
    case JCS_YCCK:
      cinfo.out_color_space = JCS_CMYK;
      decoder.cmyk = true;
      break;
    default:
      std::snprintf(decoder.error.message, sizeof decoder.error.message, "unsupported colour space %d",
                    static_cast<int>(cinfo.jpeg_color_space));
      return false;
  }
  jpeg_start_decompress(&cinfo);
  return true;
}

bool read_jpeg_rows(JpegDecoder& decoder, std::uint8_t* pixels, std::size_t row_bytes) {
  jpeg_decompress_struct& cinfo = decoder.cinfo;
  if (setjmp(decoder.error.jump)) return false;
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = pixels + std::size_t{cinfo.output_scanline} * row_bytes;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  return true;
}

// CMYK → RGB without a colour profile: R = (255 − C)(255 − K)/255, and so on. Adobe's CMYK JPEGs
// (those with an APP14 "Adobe" marker: Photoshop's, and libjpeg's own) store each ink inverted,
// s = 255 − ink, so there R = s_C·s_K/255.
std::vector<std::uint8_t> cmyk_to_rgb(const std::vector<std::uint8_t>& cmyk, bool adobe_inverted) {
  std::vector<std::uint8_t> rgb(cmyk.size() / 4 * 3);
  for (std::size_t p = 0; p < cmyk.size() / 4; ++p) {
    const std::uint8_t* s = &cmyk[p * 4];
    const int k = adobe_inverted ? s[3] : 255 - s[3];
    for (int c = 0; c < 3; ++c) {
      const int ink_left = adobe_inverted ? s[c] : 255 - s[c];
      rgb[p * 3 + c] = static_cast<std::uint8_t>((ink_left * k + 127) / 255);
    }
  }
  return rgb;
}

bool write_jpeg(JpegEncoder& encoder, const Rgb8Image& image, int quality, std::FILE* out) {
  jpeg_compress_struct& cinfo = encoder.cinfo;
  if (setjmp(encoder.error.jump)) return false;
  jpeg_create_compress(&cinfo);
  jpeg_stdio_dest(&cinfo, out);                              // a short fwrite is a libjpeg error
  cinfo.image_width = static_cast<JDIMENSION>(image.width);  // libjpeg rejects sides over 65500
  cinfo.image_height = static_cast<JDIMENSION>(image.height);
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  // Full-resolution chroma (4:4:4): stylised images carry fine colour texture that the default
  // 4:2:0 subsampling would blur.
  for (int c = 0; c < 3; ++c) cinfo.comp_info[c].h_samp_factor = cinfo.comp_info[c].v_samp_factor = 1;
  jpeg_start_compress(&cinfo, TRUE);
  const std::size_t row_bytes = std::size_t(image.width) * 3;
  while (cinfo.next_scanline < cinfo.image_height) {
    // libjpeg only reads the rows; the cast drops const for its C interface.
    JSAMPROW row = const_cast<std::uint8_t*>(image.bytes.data() + std::size_t{cinfo.next_scanline} * row_bytes);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  return true;
}

// The orientation in the first Exif APP1 segment (jpeg_save_markers kept them), 1 without one.
int orientation_of(const jpeg_decompress_struct& cinfo) {
  for (jpeg_saved_marker_ptr marker = cinfo.marker_list; marker != nullptr; marker = marker->next) {
    if (marker->marker != JPEG_APP0 + 1) continue;
    const int orientation = exif_orientation(marker->data, marker->data_length);
    if (orientation != 1) return orientation;
  }
  return 1;
}

}  // namespace

bool has_jpeg_signature(const FileBytes& file) {
  return file.size() >= 3 && file[0] == 0xFF && file[1] == 0xD8 && file[2] == 0xFF;
}

Rgb8Image decode_jpeg(const FileBytes& file, const std::string& path) {
  JpegDecoder decoder;
  NST_CHECK(read_jpeg_header(decoder, file), "image '" << path << "': bad JPEG: " << decoder.error.message);
  check_pixel_limit(decoder.cinfo.image_width, decoder.cinfo.image_height, path, "JPEG");
  const int orientation = orientation_of(decoder.cinfo);  // now: jpeg_finish_decompress frees the saved markers
  NST_CHECK(start_jpeg_decoding(decoder), "image '" << path << "': bad JPEG: " << decoder.error.message);
  const jpeg_decompress_struct& cinfo = decoder.cinfo;
  Rgb8Image image;
  image.width = static_cast<int>(cinfo.output_width);  // at most 65500
  image.height = static_cast<int>(cinfo.output_height);
  const std::size_t row_bytes = std::size_t{cinfo.output_width} * std::size_t(cinfo.output_components);
  std::vector<std::uint8_t> pixels =
      allocate_pixel_buffer<std::uint8_t>(row_bytes * cinfo.output_height, image.width, image.height, path,
                                          decoder.cmyk ? "the decoded 8-bit CMYK" : "the decoded 8-bit RGB");
  NST_CHECK(read_jpeg_rows(decoder, pixels.data(), row_bytes),
            "image '" << path << "': bad JPEG: " << decoder.error.message);
  image.bytes = decoder.cmyk ? cmyk_to_rgb(pixels, decoder.cinfo.saw_Adobe_marker) : std::move(pixels);
  return apply_exif_orientation(image, orientation);
}

void encode_jpeg(const Rgb8Image& image, int quality, std::FILE* out, const std::string& path) {
  JpegEncoder encoder;
  NST_CHECK(write_jpeg(encoder, image, quality, out),
            "image '" << path << "': writing JPEG failed: " << encoder.error.message);
}

}  // namespace nst
