// Helpers shared by the libFuzzer targets in this folder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "util/bytes.h"

namespace parthenon::fuzz {

// libFuzzer's input as a byte view; valid for the duration of LLVMFuzzerTestOneInput.
inline util::ByteSpan Input(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const std::byte*>(data), size};
}

// A violated property is a finding: abort so libFuzzer saves the input as crash-<sha1>.
// (assert() would vanish under NDEBUG; this must not.)
inline void Check(bool holds, const char* property) {
  if (holds) return;
  std::fprintf(stderr, "fuzz property violated: %s\n", property);
  std::abort();
}

}  // namespace parthenon::fuzz
