// The Keras VGG19 weights reader, on HDF5 files this test writes itself with the HDF5 C API (Keras 1
// and Keras 2 names, fixed- and variable-length strings, partial and broken files) and on the real
// partial file in ../shared/weights. Loading only copies and permutes values, so every comparison
// is exact: kernel[o][c][u][v] == stored[u][v][c][o] bit for bit.
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/error.h"
#include "tests/support/expect_mentions.h"
#include "tests/support/random.h"
#include "tests/support/scratch_dir.h"
#include "weights/hdf5_handle.h"
#include "weights/vgg19_spec.h"
#include "weights/vgg19_weights.h"

namespace nst::testing {
namespace {

namespace fs = std::filesystem;

// Fixture writing must not fail quietly: a negative HDF5 result throws, and GoogleTest reports it.
template <class Result>
Result h5_ok(Result result, const char* what) {
  if (result < 0) throw std::runtime_error(std::string("HDF5 call failed while writing a fixture: ") + what);
  return result;
}

// keras1: Keras 1 names in fixed-length ASCII strings (the official file); keras2: Keras 2 names in
// variable-length ASCII strings; keras2_utf8: Keras 2 names in variable-length UTF-8 strings, what
// h5py (2.10 and later) writes for a Python str by default; keras1_utf8: Keras 1 names in
// fixed-length UTF-8 strings (numpy 'S' arrays tagged UTF-8).
enum class Naming { keras1, keras2, keras2_utf8, keras1_utf8 };

// One convolution as a fixture stores it.
struct StoredConv {
  std::string layer;
  Shape kernel_shape;  // (KH, KW, C_in, C_out)
  std::vector<float> kernel, bias;
  hid_t kernel_type = H5T_IEEE_F32LE;  // the dtype on disk
  bool bias_written = true;            // false: weight_names names a bias the file lacks
};

// VGG19's convolution `index` (0 = block1_conv1) with its true shape and random values.
StoredConv random_conv(int index) {
  const VggConvSpec& spec = vgg19_conv_specs()[static_cast<std::size_t>(index)];
  const Shape shape{3, 3, spec.in_channels, spec.out_channels};
  const auto seed = static_cast<std::uint64_t>(index);
  return {spec.keras_name, shape, random_values(numel_of(shape), 100 + seed),
          random_values(spec.out_channels, 200 + seed)};
}

void write_string_list_attribute(hid_t object, const char* name, const std::vector<std::string>& strings,
                                 bool fixed_length, H5T_cset_t character_set = H5T_CSET_ASCII) {
  const hsize_t n = strings.size();
  const Hdf5Handle space(h5_ok(H5Screate_simple(1, &n, nullptr), "H5Screate_simple"), H5Sclose);
  const Hdf5Handle type(h5_ok(H5Tcopy(H5T_C_S1), "H5Tcopy"), H5Tclose);
  h5_ok(H5Tset_cset(type.get(), character_set), "H5Tset_cset");
  if (fixed_length) {
    // As numpy's 'S' dtype writes them: as wide as the longest, null-padded, so that one fills its width.
    std::size_t width = 1;
    for (const auto& s : strings) width = std::max(width, s.size());
    h5_ok(H5Tset_size(type.get(), width), "H5Tset_size");
    h5_ok(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), "H5Tset_strpad");
    std::vector<char> bytes(strings.size() * width, '\0');
    for (std::size_t i = 0; i < strings.size(); ++i) strings[i].copy(bytes.data() + i * width, width);
    const Hdf5Handle attr(h5_ok(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), name),
                          H5Aclose);
    h5_ok(H5Awrite(attr.get(), type.get(), bytes.data()), name);
  } else {
    h5_ok(H5Tset_size(type.get(), H5T_VARIABLE), "H5Tset_size");
    std::vector<const char*> pointers;
    for (const auto& s : strings) pointers.push_back(s.c_str());
    const Hdf5Handle attr(h5_ok(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), name),
                          H5Aclose);
    h5_ok(H5Awrite(attr.get(), type.get(), pointers.data()), name);
  }
}

void write_dataset(hid_t group, const std::string& path, const Shape& shape, const std::vector<float>& values,
                   hid_t file_type) {
  const std::vector<hsize_t> dims(shape.begin(), shape.end());
  const Hdf5Handle space(
      h5_ok(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), "H5Screate_simple"), H5Sclose);
  const Hdf5Handle links(h5_ok(H5Pcreate(H5P_LINK_CREATE), "H5Pcreate"), H5Pclose);
  h5_ok(H5Pset_create_intermediate_group(links.get(), 1), "H5Pset_create_intermediate_group");  // "layer/kernel:0"
  const Hdf5Handle dataset(
      h5_ok(H5Dcreate2(group, path.c_str(), file_type, space.get(), links.get(), H5P_DEFAULT, H5P_DEFAULT),
            "H5Dcreate2"),
      H5Dclose);
  h5_ok(H5Dwrite(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), "H5Dwrite");
}

Hdf5Handle create_group(hid_t parent, const std::string& name) {
  return Hdf5Handle(h5_ok(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "H5Gcreate2"),
                    H5Gclose);
}

// A Keras weights file holding `convs`, named and stored as `naming` says. Input and pool layers
// are listed and get empty groups, as Keras writes them.
void write_keras_file(const std::string& path, const std::vector<StoredConv>& convs, Naming naming) {
  const bool keras1 = naming == Naming::keras1 || naming == Naming::keras1_utf8;
  const bool fixed_length = keras1;
  const H5T_cset_t character_set =
      naming == Naming::keras2_utf8 || naming == Naming::keras1_utf8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII;
  const Hdf5Handle file(h5_ok(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), "H5Fcreate"), H5Fclose);
  std::vector<std::string> layer_names{"input_1"};
  create_group(file.get(), "input_1");
  for (const StoredConv& conv : convs) {
    layer_names.push_back(conv.layer);
    const Hdf5Handle group = create_group(file.get(), conv.layer);
    const std::string kernel_name = keras1 ? conv.layer + "_W_1:0" : conv.layer + "/kernel:0";
    const std::string bias_name = keras1 ? conv.layer + "_b_1:0" : conv.layer + "/bias:0";
    write_string_list_attribute(group.get(), "weight_names", {kernel_name, bias_name}, fixed_length, character_set);
    write_dataset(group.get(), kernel_name, conv.kernel_shape, conv.kernel, conv.kernel_type);
    if (conv.bias_written)
      write_dataset(group.get(), bias_name, {static_cast<std::int64_t>(conv.bias.size())}, conv.bias, H5T_IEEE_F32LE);
    for (const VggConvSpec& spec : vgg19_conv_specs()) {
      if (spec.keras_name != conv.layer || !spec.pool_after) continue;
      layer_names.push_back("block" + std::to_string(spec.block) + "_pool");
      create_group(file.get(), layer_names.back());
    }
  }
  write_string_list_attribute(file.get(), "layer_names", layer_names, fixed_length, character_set);
}

// kernel[o][c][u][v] == stored[u][v][c][o] and the bias as stored, exactly (loading only copies).
void expect_holds(const ConvWeights& loaded, const StoredConv& stored) {
  const std::int64_t in = stored.kernel_shape[2], out = stored.kernel_shape[3];
  EXPECT_EQ(loaded.layer, stored.layer);
  ASSERT_EQ(loaded.kernel.shape(), (Shape{out, in, 3, 3})) << stored.layer;
  ASSERT_EQ(loaded.bias.shape(), (Shape{out})) << stored.layer;
  const auto kernel = loaded.kernel.to_host();
  std::int64_t mismatches = 0;
  for (std::int64_t o = 0; o < out; ++o)
    for (std::int64_t c = 0; c < in; ++c)
      for (std::int64_t u = 0; u < 3; ++u)
        for (std::int64_t v = 0; v < 3; ++v)
          mismatches += kernel[((o * in + c) * 3 + u) * 3 + v] != stored.kernel[((u * 3 + v) * in + c) * out + o];
  EXPECT_EQ(mismatches, 0) << stored.layer << ": kernel values not at their transposed places";
  EXPECT_EQ(loaded.bias.to_host(), stored.bias) << stored.layer;
}

// The message of the nst::Error that `call` throws; a test failure when it throws none.
template <class Call>
std::string error_of(Call call) {
  try {
    call();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an nst::Error";
  return "";
}

// How many HDF5 files, groups, datasets, attributes and named datatypes are open, in all files:
// the same after a test as before it means none leaked, error paths included. (Dataspaces and
// transient datatypes HDF5 does not count for us; the reader holds those in the same Hdf5Handle.)
ssize_t open_hdf5_objects() { return H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL); }

// Each test gets its own scratch folder, and must close every HDF5 object it opens.
class WeightsFile : public ScratchDirTest {
 protected:
  void SetUp() override { objects_before_ = open_hdf5_objects(); }
  void TearDown() override { EXPECT_EQ(open_hdf5_objects(), objects_before_) << "HDF5 objects left open"; }

  // block1_conv1 (3→64) and block1_conv2 (64→64) round-trip, loaded whole and in part.
  void expect_round_trip(Naming naming) {
    const std::vector<StoredConv> convs{random_conv(0), random_conv(1)};
    const std::string file = path("two_convs.h5");
    write_keras_file(file, convs, naming);
    EXPECT_EQ(count_vgg19_conv_layers(file), 2);
    const auto loaded = load_vgg19_conv_weights(file, 2);
    ASSERT_EQ(loaded.size(), 2u);
    for (std::size_t i = 0; i < convs.size(); ++i) expect_holds(loaded[i], convs[i]);
    const auto first = load_vgg19_conv_weights(file, 1);
    ASSERT_EQ(first.size(), 1u);
    expect_holds(first[0], convs[0]);
  }

  ssize_t objects_before_ = 0;
};

TEST_F(WeightsFile, Keras1NamesInFixedLengthStringsLoadTransposed) { expect_round_trip(Naming::keras1); }

TEST_F(WeightsFile, Keras2NamesInVariableLengthStringsLoadTransposed) { expect_round_trip(Naming::keras2); }

// HDF5 converts no string between character sets: read into an ASCII memory type, h5py's UTF-8
// names failed ("cannot read attribute layer_names"). They load as the ASCII file does.
TEST_F(WeightsFile, NamesInUtf8StringsLoadAsTheAsciiFileDoes) {
  expect_round_trip(Naming::keras2_utf8);
  expect_round_trip(Naming::keras1_utf8);
  const std::vector<StoredConv> convs{random_conv(0), random_conv(1), random_conv(2)};
  write_keras_file(path("fixed.h5"), convs, Naming::keras1);
  write_keras_file(path("utf8.h5"), convs, Naming::keras2_utf8);
  EXPECT_EQ(count_vgg19_conv_layers(path("utf8.h5")), count_vgg19_conv_layers(path("fixed.h5")));
  const auto fixed = load_vgg19_conv_weights(path("fixed.h5"), 3);
  const auto utf8 = load_vgg19_conv_weights(path("utf8.h5"), 3);
  ASSERT_EQ(utf8.size(), fixed.size());
  for (std::size_t i = 0; i < fixed.size(); ++i) {
    EXPECT_EQ(utf8[i].layer, fixed[i].layer);
    EXPECT_EQ(utf8[i].kernel.to_host(), fixed[i].kernel.to_host()) << fixed[i].layer;
    EXPECT_EQ(utf8[i].bias.to_host(), fixed[i].bias.to_host()) << fixed[i].layer;
  }
}

TEST_F(WeightsFile, PartialFileCountsItsLayersAndNamesWhatIsMissing) {
  const std::string file = path("partial.h5");
  write_keras_file(file, {random_conv(0), random_conv(1)}, Naming::keras1);
  EXPECT_EQ(count_vgg19_conv_layers(file), 2);
  expect_mentions(error_of([&] { load_vgg19_conv_weights(file, 3); }),
                  {file, "has no block2_conv1", "the deepest VGG19 layer it holds is block1_conv2"});

  // Counting stops at the first gap: block2_conv1 without block1_conv2 does not count.
  const std::string gap = path("gap.h5");
  write_keras_file(gap, {random_conv(0), random_conv(2)}, Naming::keras2);
  EXPECT_EQ(count_vgg19_conv_layers(gap), 1);
}

TEST_F(WeightsFile, FileWithoutConvolutionsHoldsNone) {
  const std::string file = path("input_only.h5");
  write_keras_file(file, {}, Naming::keras2);
  EXPECT_EQ(count_vgg19_conv_layers(file), 0);
  EXPECT_TRUE(load_vgg19_conv_weights(file, 0).empty());
  expect_mentions(error_of([&] { load_vgg19_conv_weights(file, 1); }),
                  {file, "has no block1_conv1", "holds no VGG19 layer"});
}

TEST_F(WeightsFile, WrongShapeNamesTheDatasetAndBothShapes) {
  StoredConv conv = random_conv(0);
  conv.kernel_shape = {3, 3, 3, 32};
  conv.kernel.resize(3 * 3 * 3 * 32);
  const std::string file = path("wrong_shape.h5");
  write_keras_file(file, {conv}, Naming::keras1);
  expect_mentions(error_of([&] { load_vgg19_conv_weights(file, 1); }),
                  {file, "block1_conv1/block1_conv1_W_1:0", "(3, 3, 3, 32)", "expected (3, 3, 3, 64)"});
}

// One NaN (or inf) in a kernel would turn the whole run non-finite and the output black: the
// file is refused at load, the dataset and the place named.
TEST_F(WeightsFile, NonFiniteValueNamesTheDataset) {
  StoredConv first = random_conv(0), second = random_conv(1);
  second.kernel[1234] = std::numeric_limits<float>::quiet_NaN();
  const std::string nan_file = path("nan.h5");
  write_keras_file(nan_file, {first, second}, Naming::keras2);
  expect_mentions(error_of([&] { load_vgg19_conv_weights(nan_file, 2); }),
                  {nan_file, "block1_conv2/block1_conv2/kernel:0", "non-finite value (nan", "index 1234"});
  EXPECT_EQ(load_vgg19_conv_weights(nan_file, 1).size(), 1u);  // the layers before it are sound

  first.bias[5] = -std::numeric_limits<float>::infinity();
  const std::string inf_file = path("inf.h5");
  write_keras_file(inf_file, {first}, Naming::keras1);
  expect_mentions(error_of([&] { load_vgg19_conv_weights(inf_file, 1); }),
                  {inf_file, "block1_conv1/block1_conv1_b_1:0", "non-finite value (-inf", "index 5"});
}

// All 16 convolutions in their real shapes (80 MB), He-scaled so that a run through them stays
// finite: the reader loads every layer of a full-size file exactly. With NST_KEEP_SYNTHETIC_VGG19
// set to a path, the file is also copied there — the stand-in for the real weights that
// bench/RESULTS.md's memory measurements use (the real file is not on the build machines).
TEST_F(WeightsFile, FullSizeSyntheticFileLoadsAllSixteenLayers) {
  std::vector<StoredConv> convs;
  for (int k = 0; k < 16; ++k) {
    convs.push_back(random_conv(k));
    const float he = std::sqrt(6.0f / static_cast<float>(convs.back().kernel_shape[2] * 9));
    for (float& v : convs.back().kernel) v *= he;  // uniform ±he: variance 2 / fan_in
    for (float& v : convs.back().bias) v *= 0.1f;
  }
  const std::string file = path("vgg19_synthetic.h5");
  write_keras_file(file, convs, Naming::keras1);
  EXPECT_EQ(count_vgg19_conv_layers(file), 16);
  const auto loaded = load_vgg19_conv_weights(file, 16);
  ASSERT_EQ(loaded.size(), 16u);
  for (std::size_t k = 0; k < convs.size(); ++k) expect_holds(loaded[k], convs[k]);
  if (const char* keep = std::getenv("NST_KEEP_SYNTHETIC_VGG19"); keep != nullptr && *keep != '\0')
    fs::copy_file(file, keep, fs::copy_options::overwrite_existing);
}

TEST_F(WeightsFile, MissingDatasetIsNamed) {
  StoredConv conv = random_conv(0);
  conv.bias_written = false;
  const std::string file = path("no_bias.h5");
  write_keras_file(file, {conv}, Naming::keras2);
  expect_mentions(error_of([&] { load_vgg19_conv_weights(file, 1); }),
                  {file, "no dataset block1_conv1/block1_conv1/bias:0"});
}

TEST_F(WeightsFile, WrongDtypeIsNamed) {
  StoredConv conv = random_conv(0);
  conv.kernel_type = H5T_STD_I32LE;
  const std::string file = path("int_kernel.h5");
  write_keras_file(file, {conv}, Naming::keras1);
  expect_mentions(error_of([&] { load_vgg19_conv_weights(file, 1); }),
                  {file, "block1_conv1/block1_conv1_W_1:0", "int32", "expected float32"});
}

TEST_F(WeightsFile, TextFileIsNotHdf5AndHdf5PrintsNothing) {
  const std::string file = path("not_hdf5.h5");
  std::ofstream(file) << "these are not the weights you are looking for\n";
  ::testing::internal::CaptureStderr();
  const std::string count_error = error_of([&] { count_vgg19_conv_layers(file); });
  const std::string load_error = error_of([&] { load_vgg19_conv_weights(file, 1); });
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "") << "HDF5 printed its own error stack";
  expect_mentions(count_error, {file, "not an HDF5 file"});
  expect_mentions(load_error, {file, "not an HDF5 file"});
}

TEST_F(WeightsFile, Hdf5FileWithoutLayerNamesIsNotKeras) {
  const std::string file = path("plain.h5");
  {
    const Hdf5Handle plain(h5_ok(H5Fcreate(file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), "H5Fcreate"),
                           H5Fclose);
    create_group(plain.get(), "block1_conv1");
  }
  expect_mentions(error_of([&] { count_vgg19_conv_layers(file); }), {file, "no root attribute layer_names"});
}

TEST_F(WeightsFile, ImplausibleNameListsAreRefusedBeforeTheyAreRead) {
  // The count and the width of a name list come from the file: a damaged one would have the reader
  // allocate terabytes, and n·width can overflow. The reader bounds both (4096 each) first.
  const std::string many = path("many_names.h5");
  {
    const Hdf5Handle file(h5_ok(H5Fcreate(many.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), "H5Fcreate"),
                          H5Fclose);
    write_string_list_attribute(file.get(), "layer_names", std::vector<std::string>(4097, "x"), true);
  }
  expect_mentions(error_of([&] { count_vgg19_conv_layers(many); }),
                  {many, "layer_names", "lists 4097 strings", "at most 4096", "damaged"});

  const std::string wide = path("wide_names.h5");
  {
    const Hdf5Handle file(h5_ok(H5Fcreate(wide.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), "H5Fcreate"),
                          H5Fclose);
    write_string_list_attribute(file.get(), "layer_names", {std::string(4097, 'x')}, true);
  }
  expect_mentions(error_of([&] { count_vgg19_conv_layers(wide); }),
                  {wide, "layer_names", "strings of 4097 bytes", "at most 4096", "damaged"});

  const std::string plausible = path("plausible_names.h5");
  {
    const Hdf5Handle file(h5_ok(H5Fcreate(plausible.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), "H5Fcreate"),
                          H5Fclose);
    write_string_list_attribute(file.get(), "layer_names", std::vector<std::string>(4096, std::string(10, 'x')), true);
  }
  EXPECT_EQ(count_vgg19_conv_layers(plausible), 0);  // the bounds themselves are accepted
}

TEST_F(WeightsFile, MissingFileAndBadCountsAreErrors) {
  const std::string file = path("absent.h5");
  expect_mentions(error_of([&] { count_vgg19_conv_layers(file); }), {file, "no such file"});
  expect_mentions(error_of([&] { load_vgg19_conv_weights(file, 1); }), {file, "no such file"});
  expect_mentions(error_of([&] { load_vgg19_conv_weights(file, 17); }), {file, "asked for 17"});
  expect_mentions(error_of([&] { load_vgg19_conv_weights(file, -1); }), {file, "asked for -1"});
}

// The shared folder: $NST_SHARED_DIR when set, else ../shared beside the source tree.
std::string shared_dir() {
  const char* dir = std::getenv("NST_SHARED_DIR");
  return dir != nullptr && *dir != '\0' ? std::string(dir) : std::string(NST_SOURCE_DIR "/../shared");
}

// The whole dataset `name` of `file`, read with the HDF5 C API directly.
std::vector<float> read_raw_dataset(const std::string& file, const char* name) {
  const Hdf5Handle f(h5_ok(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "H5Fopen"), H5Fclose);
  const Hdf5Handle dataset(h5_ok(H5Dopen2(f.get(), name, H5P_DEFAULT), name), H5Dclose);
  const Hdf5Handle space(h5_ok(H5Dget_space(dataset.get()), "H5Dget_space"), H5Sclose);
  std::vector<float> values(static_cast<std::size_t>(h5_ok(H5Sget_simple_extent_npoints(space.get()), name)));
  h5_ok(H5Dread(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), name);
  return values;
}

TEST(RealWeights, SharedPartialFileHoldsNineConvolutionsAsStored) {
  const std::string file = shared_dir() + "/weights/vgg19_partial_notop.h5";
  if (!fs::exists(file)) GTEST_SKIP() << "no real weights at " << file << " (set NST_SHARED_DIR to the shared folder)";
  EXPECT_EQ(count_vgg19_conv_layers(file), 9);
  const auto loaded = load_vgg19_conv_weights(file, 9);
  ASSERT_EQ(loaded.size(), 9u);
  EXPECT_EQ(loaded[0].kernel.shape(), (Shape{64, 3, 3, 3}));
  EXPECT_EQ(loaded[8].layer, "block4_conv1");
  EXPECT_EQ(loaded[8].kernel.shape(), (Shape{512, 256, 3, 3}));

  // A spot value: kernel[o=17][c=2][u=0][v=1] is stored at [u=0][v=1][c=2][o=17] of (3, 3, 3, 64).
  const auto raw = read_raw_dataset(file, "block1_conv1/block1_conv1_W_1:0");
  ASSERT_EQ(raw.size(), 3u * 3 * 3 * 64);
  EXPECT_EQ(loaded[0].kernel.to_host()[((17 * 3 + 2) * 3 + 0) * 3 + 1], raw[((0 * 3 + 1) * 3 + 2) * 64 + 17]);
  EXPECT_EQ(loaded[0].bias.to_host(), read_raw_dataset(file, "block1_conv1/block1_conv1_b_1:0"));

  expect_mentions(error_of([&] { load_vgg19_conv_weights(file, 10); }),
                  {file, "has no block4_conv2", "the deepest VGG19 layer it holds is block4_conv1"});
}

}  // namespace
}  // namespace nst::testing
