#pragma once
// Tests that need a GPU skip, saying why, on machines without one.
#include <gtest/gtest.h>

#include "engine/gpu.h"

#define NST_REQUIRE_CUDA()                                                            \
  do {                                                                                \
    if (!::nst::cuda_available()) GTEST_SKIP() << "needs a CUDA GPU: " << ::nst::cuda_unavailable_reason(); \
  } while (0)
