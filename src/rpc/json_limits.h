// Limits on the shape of JSON a remote client may send, checked on the raw bytes before any
// parser sees them. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace parthenon::rpc {

// Deepest array/object nesting a JSON-RPC body may have. nlohmann::json parses iteratively, but
// copying, comparing, dumping and destroying a value recurse once per level, so a body nested
// 100,000 deep would overflow the stack of an RPC thread. Real requests nest a few levels.
inline constexpr size_t kMaxJsonDepth = 100;

// True if `text` opens more than `max_depth` arrays/objects at once, counting only brackets
// outside string literals (escapes inside strings are honoured). Linear time, no allocation,
// no recursion. For text that is not JSON the answer is only a bound the parser will check; for
// valid JSON it is exact. Stops scanning as soon as the depth is exceeded.
[[nodiscard]] bool ExceedsJsonDepth(std::string_view text, size_t max_depth);

}  // namespace parthenon::rpc
