#pragma once
// The peak memory of a style-transfer run, predicted from its configuration before anything is
// allocated: the sum, at the busiest moment of the run, of every buffer the code allocates, each
// rounded as its allocator rounds it (allocation_bytes). The command line prints it and refuses a
// run that would not fit; the tests hold it against the allocators' own counts.
//
// A run goes through three phases, each holding what lives for the whole run ("resident": the
// network's weights, the images, the content and Gram targets) plus its own:
//   loading  the weights as read from the file, before the network has copied them;
//   targets  the network's buffers while it passes the content and each style image in turn
//            (the passes that make the targets), resized from one image's size to the next;
//   loop     the network's buffers at the image's size, the gradient, the optimizer's state, the
//            output image, the CPU kernels' scratch, the kept image (--keep best or ema), at a
//            checkpoint the optimizer's and the kept image's state exported to the host, and for
//            --resume the checkpoint file read and parsed (before the loop, counted with it).
// The estimate is the largest of the three.
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "engine/device.h"
#include "layers/adam.h"
#include "layers/kept_image.h"
#include "layers/lbfgs.h"
#include "layers/taps.h"

namespace nst {

struct PlaneSize {
  std::int64_t height = 0, width = 0;
};

struct RunMemoryConfig {
  PlaneSize image;                // the generated image (the content, resized)
  std::vector<PlaneSize> styles;  // each style image as the network sees it (resized)
  std::vector<Tap> content_taps, style_taps;
  std::variant<LbfgsOptions, AdamOptions> optimizer;
  Device device = Device::cpu;        // where the network, the images and the optimizer live
  bool saves_checkpoints = false;     // --save-every: the optimizer's state is copied to the host at each save
  KeepImage keep = KeepImage::last;   // best and ema keep an image-sized buffer (layers/kept_image.h)
  std::size_t resume_file_bytes = 0;  // --resume: the checkpoint file's size (0: no resume)
};

// Where a part's bytes are: in Tensors on the run's device (its allocator counts them), in host
// Tensors whatever the device (the CPU allocator counts them), or in host memory outside the
// allocators (std::vector: decoded images, the CPU kernels' thread_local scratch).
enum class MemoryPlace { device_tensors, host_tensors, host_other };

struct MemoryPart {
  std::string name;  // "weights", "activations", …
  MemoryPlace place;
  std::size_t bytes;
};

struct MemoryPhase {
  std::string name;  // "loading", "targets", "loop"
  std::vector<MemoryPart> parts;
};

struct MemoryEstimate {
  Device device = Device::cpu;
  std::vector<MemoryPhase> phases;

  // The most bytes that `allocator`'s device allocator holds at once (for the run's device: its
  // Tensors; for the host: its Tensors, the run's too when the run is on the CPU).
  std::size_t allocator_peak(Device allocator) const;
  // The most host memory at once: host Tensors and the rest (and everything, on the CPU).
  std::size_t host_peak() const;
  // The most memory of the run's device at once: host_peak() on the CPU, allocator_peak(cuda) on CUDA.
  std::size_t device_peak() const;
  // The phase where device_peak() is reached.
  const MemoryPhase& peak_phase() const;
  // "at its peak (loop): weights 80 MiB, activations 300 MiB, …": the parts of peak_phase() that
  // device_peak() counts, those of one name added up.
  std::string describe_peak() const;

 private:
  bool on_device(const MemoryPart& part) const;  // counted by device_peak()
};

MemoryEstimate estimate_run_memory(const RunMemoryConfig& config);

// The same run optimised in tiles (layers/tiled_stylizer.h) whose largest window is `window`: a
// run at the window's size (the network, the window's targets, the optimizer; the style images
// pass in windows too), plus the whole images on the host (x, the content and style inputs, their
// decoded pixels, the output) and, on the device, the whole image's Grams, the visit's shifted
// targets and Grams, and the windows sent there (x's, the content's, the update mask).
MemoryEstimate estimate_tiled_run_memory(const RunMemoryConfig& config, PlaneSize window);

// "412 MiB" ("3.2 MiB" below 10 MiB); "1.3 GiB" from 1 GiB on.
std::string format_bytes(std::size_t bytes);

}  // namespace nst
