// nst_fuzz_seeds OUTDIR: writes the fuzz targets' seed corpora — small valid files of each layout the
// readers handle — into OUTDIR/png, OUTDIR/jpeg and OUTDIR/hdf5, and checks that the readers accept
// every one (a seed that is refused would only teach the fuzzer the error path).
//   png:  grey, grey+alpha, RGB, RGBA, 16-bit grey, palette (libpng's simplified writer)
//   jpeg: RGB 4:2:0 and 4:4:4, grey, progressive, arithmetic-coded, with restart markers, CMYK
//         (Adobe marker), and RGB with an EXIF orientation tag in either byte order
//   hdf5: block1_conv1 alone, Keras 1 names in fixed-length strings and Keras 2 names in
//         variable-length ASCII ones, each in HDF5's oldest and newest file format; Keras 2 names in
//         variable-length UTF-8 (h5py's default); a file listing no layer
#include <png.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <jpeglib.h>

#include "apps/image.h"
#include "layers/checkpoint.h"
#include "tests/fuzz/memory_file.h"
#include "weights/hdf5_handle.h"
#include "weights/vgg19_spec.h"
#include "weights/vgg19_weights.h"

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "nst_fuzz_seeds: %s\n", what.c_str());
  std::exit(1);
}

// Deterministic pixel values: a gradient with some texture, so the codecs have something to code.
Bytes pattern(std::size_t count) {
  Bytes bytes(count);
  for (std::size_t i = 0; i < count; ++i) bytes[i] = static_cast<std::uint8_t>((i * 37 + (i / 7) * 11) & 0xFF);
  return bytes;
}

// ---- PNG ------------------------------------------------------------------------------------------

void write_png(const fs::path& path, png_uint_32 format) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = 7;
  image.height = 5;
  image.format = format;
  const Bytes pixels = pattern(PNG_IMAGE_SIZE(image));
  Bytes colormap;
  if (format & PNG_FORMAT_FLAG_COLORMAP) {
    image.colormap_entries = 16;
    colormap = pattern(PNG_IMAGE_COLORMAP_SIZE(image));
    Bytes indices(pixels.size());
    for (std::size_t i = 0; i < indices.size(); ++i) indices[i] = static_cast<std::uint8_t>(i % 16);
    if (!png_image_write_to_file(&image, path.c_str(), 0, indices.data(), 0, colormap.data())) fail(image.message);
    return;
  }
  if (!png_image_write_to_file(&image, path.c_str(), 0, pixels.data(), 0, nullptr)) fail(image.message);
}

// ---- JPEG -----------------------------------------------------------------------------------------

struct JpegLayout {
  int components = 3;
  J_COLOR_SPACE in_space = JCS_RGB;
  bool full_chroma = false, progressive = false, arithmetic = false;
  int restart_rows = 0;
  Bytes app1;  // an APP1 (EXIF) segment's payload, written right after the start of the image
};

void write_jpeg(const fs::path& path, const JpegLayout& layout) {
  std::FILE* out = std::fopen(path.c_str(), "wb");
  if (!out) fail("cannot write " + path.string());
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr error{};
  cinfo.err = jpeg_std_error(&error);  // libjpeg's default: prints and exits on an error
  jpeg_create_compress(&cinfo);
  jpeg_stdio_dest(&cinfo, out);
  cinfo.image_width = 13;  // not a multiple of the 8- or 16-pixel blocks: edge blocks are padded
  cinfo.image_height = 9;
  cinfo.input_components = layout.components;
  cinfo.in_color_space = layout.in_space;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 90, TRUE);
  if (layout.full_chroma)
    for (int c = 0; c < cinfo.num_components; ++c)
      cinfo.comp_info[c].h_samp_factor = cinfo.comp_info[c].v_samp_factor = 1;
  if (layout.progressive) jpeg_simple_progression(&cinfo);
  cinfo.arith_code = layout.arithmetic ? TRUE : FALSE;
  cinfo.restart_in_rows = layout.restart_rows;
  jpeg_start_compress(&cinfo, TRUE);
  if (!layout.app1.empty())
    jpeg_write_marker(&cinfo, JPEG_APP0 + 1, layout.app1.data(), static_cast<unsigned>(layout.app1.size()));
  const std::size_t row_bytes = std::size_t(cinfo.image_width) * std::size_t(layout.components);
  const Bytes pixels = pattern(row_bytes * cinfo.image_height);
  while (cinfo.next_scanline < cinfo.image_height) {
    auto row = const_cast<JSAMPROW>(pixels.data() + cinfo.next_scanline * row_bytes);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::fclose(out);
}

// "Exif\0\0", then a TIFF header and IFD0 with one entry: Orientation (tag 0x0112, SHORT, count 1)
// = 6 (rotate 90° clockwise to display). Big-endian ("MM") or little-endian ("II").
Bytes exif_orientation_6(bool big_endian) {
  Bytes b = {'E', 'x', 'i', 'f', 0, 0};
  const auto u16 = [&](unsigned v) {
    if (big_endian)
      b.insert(b.end(), {std::uint8_t(v >> 8), std::uint8_t(v)});
    else
      b.insert(b.end(), {std::uint8_t(v), std::uint8_t(v >> 8)});
  };
  const auto u32 = [&](unsigned v) {
    if (big_endian) {
      u16(v >> 16);
      u16(v & 0xFFFF);
    } else {
      u16(v & 0xFFFF);
      u16(v >> 16);
    }
  };
  b.insert(b.end(),
           big_endian ? std::initializer_list<std::uint8_t>{'M', 'M'} : std::initializer_list<std::uint8_t>{'I', 'I'});
  u16(42);      // TIFF magic
  u32(8);       // IFD0 right after the header
  u16(1);       // one entry
  u16(0x0112);  // Orientation
  u16(3);       // SHORT
  u32(1);       // one value
  u16(6);       // the value, left-justified in the 4-byte field
  u16(0);
  u32(0);  // no next IFD
  return b;
}

// ---- HDF5 -----------------------------------------------------------------------------------------

template <class Result>
Result h5(Result result, const char* what) {
  if (result < 0) fail(std::string("HDF5 failed writing a seed: ") + what);
  return result;
}

enum class Strings { fixed, variable_ascii, variable_utf8 };

void write_strings(hid_t object, const char* name, const std::vector<std::string>& strings, Strings kind) {
  const hsize_t n = strings.size();
  const nst::Hdf5Handle space(h5(H5Screate_simple(1, &n, nullptr), "H5Screate_simple"), H5Sclose);
  const nst::Hdf5Handle type(h5(H5Tcopy(H5T_C_S1), "H5Tcopy"), H5Tclose);
  std::vector<char> fixed;
  std::vector<const char*> pointers;
  const void* buffer = nullptr;
  if (kind == Strings::fixed) {  // numpy's 'S' dtype: as wide as the longest, null-padded
    std::size_t width = 1;
    for (const auto& s : strings) width = std::max(width, s.size());
    h5(H5Tset_size(type.get(), width), "H5Tset_size");
    h5(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), "H5Tset_strpad");
    fixed.assign(strings.size() * width, '\0');
    for (std::size_t i = 0; i < strings.size(); ++i) strings[i].copy(fixed.data() + i * width, width);
    buffer = fixed.data();
  } else {  // h5py's default for str: variable-length UTF-8
    h5(H5Tset_size(type.get(), H5T_VARIABLE), "H5Tset_size");
    if (kind == Strings::variable_utf8) h5(H5Tset_cset(type.get(), H5T_CSET_UTF8), "H5Tset_cset");
    for (const auto& s : strings) pointers.push_back(s.c_str());
    buffer = pointers.data();
  }
  const nst::Hdf5Handle attr(h5(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), name),
                             H5Aclose);
  h5(H5Awrite(attr.get(), type.get(), buffer), name);
}

void write_floats(hid_t group, const std::string& path, const std::vector<hsize_t>& dims) {
  std::size_t count = 1;
  for (const hsize_t d : dims) count *= d;
  std::vector<float> values(count);
  for (std::size_t i = 0; i < count; ++i) values[i] = float(int(i % 17) - 8) / 64.0f;
  const nst::Hdf5Handle space(h5(H5Screate_simple(int(dims.size()), dims.data(), nullptr), "H5Screate_simple"),
                              H5Sclose);
  const nst::Hdf5Handle links(h5(H5Pcreate(H5P_LINK_CREATE), "H5Pcreate"), H5Pclose);
  h5(H5Pset_create_intermediate_group(links.get(), 1), "H5Pset_create_intermediate_group");
  const nst::Hdf5Handle dataset(
      h5(H5Dcreate2(group, path.c_str(), H5T_IEEE_F32LE, space.get(), links.get(), H5P_DEFAULT, H5P_DEFAULT),
         "H5Dcreate2"),
      H5Dclose);
  h5(H5Dwrite(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), "H5Dwrite");
}

// A Keras file listing input_1 and, when `with_conv`, block1_conv1 with its kernel and bias; Keras 1
// names in fixed-length strings, or Keras 2 names in variable-length ones.
void write_keras(const fs::path& path, Strings strings, bool newest_format, bool with_conv) {
  const bool keras2 = strings != Strings::fixed;
  const nst::Hdf5Handle access(h5(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate"), H5Pclose);
  if (newest_format) h5(H5Pset_libver_bounds(access.get(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST), "libver");
  const nst::Hdf5Handle file(h5(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.get()), "H5Fcreate"),
                             H5Fclose);
  std::vector<std::string> layers{"input_1"};
  h5(H5Gclose(h5(H5Gcreate2(file.get(), "input_1", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "H5Gcreate2")), "H5Gclose");
  if (with_conv) {
    const nst::VggConvSpec& spec = nst::vgg19_conv_specs()[0];
    layers.push_back(spec.keras_name);
    const nst::Hdf5Handle group(
        h5(H5Gcreate2(file.get(), spec.keras_name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "H5Gcreate2"),
        H5Gclose);
    const std::string kernel = keras2 ? spec.keras_name + "/kernel:0" : spec.keras_name + "_W_1:0";
    const std::string bias = keras2 ? spec.keras_name + "/bias:0" : spec.keras_name + "_b_1:0";
    write_strings(group.get(), "weight_names", {kernel, bias}, strings);
    const auto in = hsize_t(spec.in_channels), out = hsize_t(spec.out_channels);
    write_floats(group.get(), kernel, {3, 3, in, out});
    write_floats(group.get(), bias, {out});
  }
  write_strings(file.get(), "layer_names", layers, strings);
}

// Checkpoints as a run writes them (layers/checkpoint.h): L-BFGS with a ring of two pairs and
// --keep best, Adam with --keep ema at scale 2, and one before the first step with --keep last.
void write_checkpoints(const fs::path& dir) {
  const auto ramp = [](nst::Shape shape, float start) {
    std::vector<float> values(static_cast<std::size_t>(nst::numel_of(shape)));
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = start + 0.5f * static_cast<float>(i);
    return nst::Tensor::from_host(shape, values, nst::Device::cpu);
  };
  const nst::Shape image{1, 3, 4, 5};
  nst::Checkpoint lbfgs;
  lbfgs.iteration = 6;
  lbfgs.settings = {{"--optimizer", "lbfgs"}, {"--keep", "best"}, {"--content", "5x4 pixels 0123456789abcdef"}};
  lbfgs.image = ramp(image, -10);
  lbfgs.optimizer.optimizer = "lbfgs";
  lbfgs.optimizer.tensors["pairs_s"] = ramp({2, 60}, 1);
  lbfgs.optimizer.tensors["pairs_ys"] = ramp({2}, 3);
  lbfgs.optimizer.scalars["steps_taken"] = 6;
  lbfgs.kept.optimizer = "keep best";
  lbfgs.kept.tensors["image"] = ramp(image, 2);
  lbfgs.kept.tensors["best"] = nst::Tensor::from_host({3}, {1e6f, 5, 7}, nst::Device::cpu);
  lbfgs.kept.scalars["evaluations"] = 7;
  nst::Checkpoint adam;
  adam.iteration = 3;
  adam.scale = 2;
  adam.settings = {{"--optimizer", "adam"}, {"--keep", "ema"}};
  adam.image = ramp(image, 0);
  adam.optimizer.optimizer = "adam";
  adam.optimizer.tensors["first_moment"] = ramp(image, 0.25f);
  adam.optimizer.scalars["steps_taken"] = 3;
  adam.kept.optimizer = "keep ema";
  adam.kept.tensors["average"] = ramp(image, 1);
  adam.kept.scalars["decay_power"] = 0.97;
  nst::Checkpoint fresh;
  fresh.image = ramp({1, 3, 1, 1}, 0);
  fresh.optimizer.optimizer = "lbfgs";
  fresh.kept.optimizer = "keep last";
  for (const auto& [name, checkpoint] : {std::pair<const char*, const nst::Checkpoint*>{"lbfgs_best", &lbfgs},
                                         {"adam_ema_scale2", &adam},
                                         {"before_the_first_step", &fresh}}) {
    const std::string path = (dir / (std::string(name) + ".nstate")).string();
    std::FILE* out = std::fopen(path.c_str(), "wb");
    if (!out) fail("cannot write " + path);
    nst::write_checkpoint(*checkpoint, out, path);
    std::fclose(out);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) fail("usage: nst_fuzz_seeds OUTDIR");
  const fs::path root = argv[1];
  for (const char* kind : {"png", "jpeg", "hdf5", "nstate"}) fs::create_directories(root / kind);

  const std::vector<std::pair<const char*, png_uint_32>> pngs = {
      {"grey", PNG_FORMAT_GRAY}, {"grey_alpha", PNG_FORMAT_GA},   {"rgb", PNG_FORMAT_RGB},
      {"rgba", PNG_FORMAT_RGBA}, {"grey16", PNG_FORMAT_LINEAR_Y}, {"palette", PNG_FORMAT_RGB_COLORMAP}};
  for (const auto& [name, format] : pngs) write_png(root / "png" / (std::string(name) + ".png"), format);

  JpegLayout rgb, rgb444, grey, progressive, arithmetic, restarts, cmyk, exif_mm, exif_ii;
  rgb444.full_chroma = true;
  grey.components = 1;
  grey.in_space = JCS_GRAYSCALE;
  progressive.progressive = true;
  arithmetic.arithmetic = true;
  restarts.restart_rows = 1;
  cmyk.components = 4;
  cmyk.in_space = JCS_CMYK;
  exif_mm.app1 = exif_orientation_6(true);
  exif_ii.app1 = exif_orientation_6(false);
  const std::vector<std::pair<const char*, JpegLayout>> jpegs = {{"rgb420", rgb},
                                                                 {"rgb444", rgb444},
                                                                 {"grey", grey},
                                                                 {"progressive", progressive},
                                                                 {"arithmetic", arithmetic},
                                                                 {"restarts", restarts},
                                                                 {"cmyk", cmyk},
                                                                 {"exif_big_endian", exif_mm},
                                                                 {"exif_little_endian", exif_ii}};
  for (const auto& [name, layout] : jpegs) write_jpeg(root / "jpeg" / (std::string(name) + ".jpg"), layout);

  for (const bool newest : {false, true}) {
    const std::string format = newest ? "_latest.h5" : "_earliest.h5";
    write_keras(root / "hdf5" / ("keras1" + format), Strings::fixed, newest, true);
    write_keras(root / "hdf5" / ("keras2" + format), Strings::variable_ascii, newest, true);
  }
  write_keras(root / "hdf5" / "keras2_utf8.h5", Strings::variable_utf8, false, true);
  write_keras(root / "hdf5" / "no_conv.h5", Strings::fixed, false, false);

  write_checkpoints(root / "nstate");

  // Every seed must read — handed to the reader the way the fuzz targets hand it their inputs (a
  // MemoryFile), so that a target whose delivery refuses every input cannot pass for one that fuzzes.
  int seeds = 0;
  nst::fuzz::MemoryFile probe("nst_fuzz_seeds");
  for (const char* kind : {"png", "jpeg", "hdf5", "nstate"}) {
    for (const auto& entry : fs::directory_iterator(root / kind)) {
      std::ifstream in(entry.path(), std::ios::binary);
      const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      probe.assign(bytes.data(), bytes.size());
      const std::string path = probe.path();
      try {
        if (std::string(kind) == "hdf5") {
          const int held = nst::count_vgg19_conv_layers(path);
          if (held != (entry.path().stem() == "no_conv" ? 0 : 1))
            fail(path + ": counted " + std::to_string(held) + " layers");
          nst::load_vgg19_conv_weights(path, held);
        } else if (std::string(kind) == "nstate") {
          nst::read_checkpoint(path);
        } else {
          nst::read_image(path);
        }
      } catch (const std::exception& e) {
        fail(entry.path().string() + ": a seed does not read: " + e.what());
      }
      ++seeds;
    }
  }
  std::printf("nst_fuzz_seeds: %d seeds in %s, each read back\n", seeds, root.c_str());
  return 0;
}
