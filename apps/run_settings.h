#pragma once
// What identifies a run for --resume: every option that changes the objective, the optimizer's
// steps or the output image, and the inputs as the run sees them — the resized pixels of each image
// and the bytes of the weights file — so that a moved or renamed file is the same input and an
// edited one is not. --iterations, --init and --seed are not among them: a resumed run starts from
// the saved image and may run longer; --print-every, --save-every and --cuda-graph change no bits.
#include <string>
#include <vector>

#include "apps/options.h"
#include "engine/device.h"
#include "engine/tensor.h"
#include "layers/checkpoint.h"
#include "layers/taps.h"

namespace nst {

RunSettings run_settings(const Options& o, Device device, const Tensor& content, const std::vector<Tensor>& styles,
                         const std::vector<Tap>& content_taps, const std::vector<Tap>& style_taps);

}  // namespace nst
