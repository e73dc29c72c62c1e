#pragma once
// What identifies a run for --resume: every option that changes the objective, the optimizer's
// steps or the output image, the inputs as the run sees them — the resized pixels of each image (at
// --image-size) and the bytes of the weights file, so that a moved or renamed file is the same input
// and an edited one is not — and, over several scales, the sizes of the scales. --iterations,
// --last-scale-iterations, --init and --seed are not among them: a resumed run starts from the saved
// image and may run longer; --print-every, --save-every, --cuda-graph and --bit-depth change no bits.
#include <string>
#include <vector>

#include "apps/options.h"
#include "engine/device.h"
#include "engine/tensor.h"
#include "layers/checkpoint.h"
#include "layers/scales.h"
#include "layers/taps.h"

namespace nst {

RunSettings run_settings(const Options& o, Device device, const Tensor& content, const std::vector<Tensor>& styles,
                         const std::vector<Tap>& content_taps, const std::vector<Tap>& style_taps,
                         const std::vector<Scale>& schedule = {});

}  // namespace nst
