#pragma once
// The `nst` command line: every option, its default and its meaning (the --help text).
//
// The options come in groups, each added to a command's parser by one function, so that every
// command that builds the objective J (stylise, explain, gradcheck) takes the same options, with
// the same checks, as a stylisation run.
#include <optional>
#include <string>
#include <vector>

#include "kernels/gemm_math.h"
#include "layers/scales.h"

namespace CLI {
class App;
}

namespace nst {

inline constexpr int kMaxImageSize = 8192;  // the largest --image-size

struct Options {
  std::string content;
  std::vector<std::string> styles;
  std::string output;
  std::vector<float> style_blend_weights;  // empty: equal
  int image_size = 512;
  float style_scale = 1.0f;
  int iterations = 1000;           // at each scale
  int scales = 0;                  // coarse to fine (layers/scales.h); 0: from --start-size, else 1
  int start_size = 0;              // the first scale's longer side; 0: from --scales
  int last_scale_iterations = -1;  // -1: --iterations
  long long max_evaluations = 0;   // 0: no limit
  std::string optimizer = "lbfgs";
  std::optional<float> learning_rate;  // default: 1 for L-BFGS, 10 for Adam
  int lbfgs_history = 100;
  std::string lbfgs_line_search = "none";  // none | strong-wolfe (layers/lbfgs.h)
  std::string keep = "best";               // best | ema | last (layers/kept_image.h)
  std::string pixel_bounds = "on";         // on | off: keep the image within 0-255 (layers/channel_bounds.h)
  float content_weight = 5.0f;
  float style_weight = 100.0f;
  float tv_weight = 1e-3f;
  std::string content_layers;  // empty: default for the weights file
  std::string style_layers;
  std::vector<float> style_layer_weights;  // empty: all 1
  std::string init = "content";            // content | random | a file
  unsigned seed = 0;
  std::string pooling = "max";
  bool original_colors = false;
  int print_every = 50;
  int save_every = 0;
  std::string resume;  // a checkpoint's .nstate file; empty: a new run
  std::string device = "auto";
  std::string conv_math = "3xtf32";  // fp32 | tf32 | 3xtf32 (the default until a GPU run decides)
  bool cuda_graph = false;
  std::string weights;     // empty: weights/default_weights_path.h searches
  std::string loss_log;    // empty: none; else a CSV of the losses at every iteration
  int bit_depth = 8;       // of the PNG written: 8 or 16
  std::string max_memory;  // "24G", "800M", …; empty: what the device has available, less 10%
  int tile_passes = 6;     // a tiled run's passes over its tiles (bench/RESULTS.md, "How many passes")
  int tile_size = 0;       // > 0: tiles with cores of this side, whatever the estimate
};

// The stylisation run's command line (`nst --content … --style … --output …`). Returns nullopt
// when the program should exit with `exit_code` (after --help, or a usage error that has been
// printed); otherwise the options, validated.
std::optional<Options> parse_options(int argc, char** argv, int& exit_code);

// Options given as comma-separated text, split and checked after parsing.
struct OptionLists {
  std::string styles, style_blend_weights, style_layer_weights;
};

// The network and where it runs: --image-size, --pooling, --device, --conv-math (--tf32), --weights.
void add_network_options(CLI::App& app, Options& o);
// The arithmetic --conv-math names (the CUDA convolutions, Gram and style backward).
GemmMath conv_math_of(const Options& o);
// J itself: --content, --style, --style-blend-weights, --style-scale, the loss weights, the
// layers, --init, --seed. `lists` receives the comma-separated text, for parse_command_line.
void add_objective_options(CLI::App& app, Options& o, OptionLists& lists);

// Parses argv with `app` (adding --version), then splits and checks `lists` into `o` when given.
// False, with `exit_code`, when the program should exit.
bool parse_command_line(CLI::App& app, int argc, char** argv, Options& o, const OptionLists* lists, int& exit_code);

// The coarse-to-fine schedule the options ask for (layers/scales.h), for a final image of `final_size`.
ScaleRequest scale_request(const Options& o, ImageSize final_size);

// The options of every command that builds J (stylise, explain, gradcheck) on its parser: the
// objective's, then the network's; the command adds its own after.
class ProblemOptions {
 public:
  ProblemOptions(CLI::App& app, Options& o);
  // parse_command_line with the comma-separated lists: false, with `exit_code`, when the program
  // should exit.
  bool parse(int argc, char** argv, int& exit_code);

 private:
  CLI::App& app_;
  Options& options_;
  OptionLists lists_;
};

}  // namespace nst
