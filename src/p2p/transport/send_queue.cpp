#include "p2p/transport/send_queue.h"

namespace parthenon::p2p::transport {

bool SendQueue::Push(OutFrame frame) {
  const size_t size = frame.size();
  if (frames_.size() + 1 > max_messages_ || bytes_ + size > max_bytes_) return false;
  bytes_ += size;
  frames_.push_back(std::move(frame));
  return true;
}

void SendQueue::PopBatch(std::vector<OutFrame>& out, size_t max_frames, size_t max_batch_bytes) {
  size_t batch_bytes = 0;
  while (!frames_.empty() && out.size() < max_frames &&
         (out.empty() || batch_bytes + frames_.front().size() <= max_batch_bytes)) {
    batch_bytes += frames_.front().size();
    bytes_ -= frames_.front().size();
    out.push_back(std::move(frames_.front()));
    frames_.pop_front();
  }
  // Give an idle queue's memory back (a deque keeps its blocks otherwise).
  if (frames_.empty()) frames_.shrink_to_fit();
}

}  // namespace parthenon::p2p::transport
