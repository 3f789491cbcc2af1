// A bounded per-peer queue of encoded frames, sans-I/O. Frames are shared (a broadcast encodes
// once and every peer's queue holds the same bytes). Push() refuses a frame that would take the
// queue past either cap; the caller then disconnects the peer (never grows without bound).
// Thread-compatible: the session's PeerHandle guards it with its mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "util/bytes.h"

namespace parthenon::p2p::transport {

struct OutFrame {
  std::shared_ptr<const util::Bytes> bytes;
  uint8_t command_index = 0;  // wire::Command, or kCommandCount for unknown commands
};

class SendQueue {
 public:
  SendQueue(size_t max_bytes, size_t max_messages)
      : max_bytes_(max_bytes), max_messages_(max_messages) {}

  // false: the frame would exceed a cap and was not queued.
  [[nodiscard]] bool Push(OutFrame frame);
  // Moves up to `max_frames` frames (at least one if any, at most ~max_batch_bytes) into `out`.
  void PopBatch(std::vector<OutFrame>& out, size_t max_frames, size_t max_batch_bytes);

  bool empty() const { return frames_.empty(); }
  size_t bytes() const { return bytes_; }
  size_t size() const { return frames_.size(); }

 private:
  size_t max_bytes_;
  size_t max_messages_;
  std::deque<OutFrame> frames_;
  size_t bytes_ = 0;
};

}  // namespace parthenon::p2p::transport
