// A bounded per-peer queue of encoded frames, sans-I/O. Frames are shared (a broadcast encodes
// once and every peer's queue holds the same bytes). A frame's payload may instead be a segment
// of a file (a stored block): the writer then sends the header from memory and the payload
// straight from the file, in queue order like any other frame. Its bytes count against the caps
// like a frame's in memory (they are the peer's backlog either way). Push() refuses a frame that would take the
// queue past either cap; the caller then disconnects the peer (never grows without bound).
// Thread-compatible: the session's PeerHandle guards it with its mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "storage/env.h"
#include "util/bytes.h"

namespace parthenon::p2p::transport {

// `size` bytes at `offset` of an open file, sent as a frame's payload. Holding `file` keeps the
// descriptor open until the frame is written.
struct FileSegment {
  std::shared_ptr<const storage::RandomAccessFile> file;
  uint64_t offset = 0;
  size_t size = 0;
};

struct OutFrame {
  std::shared_ptr<const util::Bytes> bytes;  // the frame, or only its header when `file` is set
  uint8_t command_index = 0;  // wire::Command, or kCommandCount for unknown commands
  std::optional<FileSegment> file;  // the payload, sent after `bytes`

  size_t size() const { return bytes->size() + (file ? file->size : 0); }
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
