// The weights search (weights/default_weights_path.h) in temporary folders standing for the
// checkout, the binary's folder, $XDG_DATA_HOME, $HOME and the current folder: each place wins
// while it holds the file, in order, and the error with none names every place and the fixes.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/error.h"
#include "weights/default_weights_path.h"

namespace nst::testing {
namespace {

namespace fs = std::filesystem;

class WeightsSearch : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "nst_weights_search_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    previous_dir_ = fs::current_path();
    fs::create_directories(root_ / "work");
    fs::current_path(root_ / "work");  // "weights/F" is relative to it
    places_.executable_dir = (root_ / "checkout" / "build").string();
    places_.xdg_data_home = (root_ / "xdg").string();
    places_.home = (root_ / "home").string();
  }
  void TearDown() override {
    fs::current_path(previous_dir_);
    fs::remove_all(root_);
  }
  // Puts the weights file at `place` (a folder relative to root_).
  std::string put(const std::string& place) {
    const fs::path file = root_ / place / kDefaultWeightsFileName;
    fs::create_directories(file.parent_path());
    std::ofstream(file) << "weights";
    return file.string();
  }
  std::string found() { return find_weights_file(places_); }

  fs::path root_, previous_dir_;
  WeightsSearchPlaces places_;
};

TEST_F(WeightsSearch, EachPlaceWinsInOrderWhileItHoldsTheFile) {
  const std::string checkout = put("checkout/weights");      // <exe_dir>/../weights
  const std::string beside = put("checkout/build/weights");  // <exe_dir>/weights
  const std::string xdg = put("xdg/nst");
  const std::string home = put("home/.local/share/nst");
  const std::string relative = put("work/weights");  // ./weights from the current folder
  EXPECT_EQ(found(), checkout);
  fs::remove(checkout);
  EXPECT_EQ(found(), beside);
  fs::remove(beside);
  EXPECT_EQ(found(), xdg);
  fs::remove(xdg);
  EXPECT_EQ(found(), (fs::path("weights") / kDefaultWeightsFileName).string());
  places_.xdg_data_home = "";  // unset: ~/.local/share
  EXPECT_EQ(found(), home);
  places_.xdg_data_home = "relative/xdg";  // the XDG spec ignores a relative one
  EXPECT_EQ(found(), home);
  fs::remove(home);
  EXPECT_EQ(found(), (fs::path("weights") / kDefaultWeightsFileName).string());
  EXPECT_TRUE(fs::exists(relative));
}

TEST_F(WeightsSearch, OptionThenEnvironmentAreTakenAsGiven) {
  put("checkout/weights");
  places_.environment = "/from/NST_WEIGHTS.h5";
  EXPECT_EQ(found(), "/from/NST_WEIGHTS.h5");  // not there: the reader says so, naming it
  places_.option = "/from/option.h5";
  EXPECT_EQ(found(), "/from/option.h5");
}

TEST_F(WeightsSearch, NoneFoundNamesEveryPlaceAndTheFixes) {
  fs::create_directories(root_ / "checkout/weights" / kDefaultWeightsFileName);  // a directory is no file
  std::string message;
  try {
    found();
    ADD_FAILURE() << "found weights where there are none";
  } catch (const Error& e) {
    message = e.what();
  }
  for (const std::string& part :
       {(root_ / "checkout/weights" / kDefaultWeightsFileName).string(),
        (root_ / "checkout/build/weights" / kDefaultWeightsFileName).string(),
        (root_ / "xdg/nst" / kDefaultWeightsFileName).string(), "weights/" + std::string(kDefaultWeightsFileName),
        std::string("fetch_vgg19_weights.sh"), std::string("--weights FILE"), std::string("NST_WEIGHTS=FILE")})
    EXPECT_NE(message.find(part), std::string::npos) << "\"" << part << "\" not in: " << message;
}

// Sets environment variables for its lifetime, then puts back what was there.
class ScopedEnvironment {
 public:
  void set(const char* name, const char* value) {
    const char* before = std::getenv(name);
    saved_.push_back({name, before != nullptr, before != nullptr ? before : ""});
    ::setenv(name, value, 1);
  }
  ~ScopedEnvironment() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->was_set)
        ::setenv(it->name.c_str(), it->value.c_str(), 1);
      else
        ::unsetenv(it->name.c_str());
    }
  }

 private:
  struct Saved {
    std::string name;
    bool was_set;
    std::string value;
  };
  std::vector<Saved> saved_;
};

TEST_F(WeightsSearch, EnvironmentIsRead) {
  WeightsSearchPlaces places;
  {
    ScopedEnvironment environment;
    environment.set("NST_WEIGHTS", "/env/w.h5");
    environment.set("XDG_DATA_HOME", "/xdg/here");
    places = WeightsSearchPlaces::from_environment("");
  }
  EXPECT_EQ(places.environment, "/env/w.h5");
  EXPECT_EQ(places.xdg_data_home, "/xdg/here");
  EXPECT_FALSE(places.executable_dir.empty());  // the test binary's folder, from /proc/self/exe
  EXPECT_EQ(find_weights_file(places), "/env/w.h5");
}

}  // namespace
}  // namespace nst::testing
