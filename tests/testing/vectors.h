// Access to ../shared/vectors for tests. The shared folder sits beside the repository (CI and
// developer machines have it); where it is absent, tests that need it skip with a clear message.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "util/bytes.h"

namespace parthenon::testing {

// The vectors folder: $PARTHENON_VECTORS_DIR if set, else <repo>/../shared/vectors, if it exists.
std::optional<std::filesystem::path> VectorsDir();

// Reads a whole file; returns nullopt if it cannot be read.
std::optional<std::string> ReadFile(const std::filesystem::path& path);

}  // namespace parthenon::testing

// Declares `var` as the path of vector file `name`, or skips the test when it is unavailable.
#define PARTHENON_REQUIRE_VECTOR(var, name)                                                     \
  const auto var##_dir = ::parthenon::testing::VectorsDir();                                    \
  if (!var##_dir || !std::filesystem::exists(*var##_dir / (name)))                              \
    GTEST_SKIP() << "test vector " << (name)                                                    \
                 << " not found: ../shared/vectors is absent (set PARTHENON_VECTORS_DIR)";       \
  const std::filesystem::path var = *var##_dir / (name)
