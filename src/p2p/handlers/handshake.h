// The VERSION/VERACK handshake as a sans-I/O state machine: the session feeds it every message
// received before the link is up and carries out what it answers. Thread-compatible (one per
// session, on its strand).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "p2p/peer.h"
#include "p2p/wire/messages.h"

namespace parthenon::p2p::handlers {

// Outbound sessions send VERSION as soon as TCP is up; inbound sessions answer the peer's
// VERSION with theirs (as Bitcoin Core does), so a silent inbound peer learns nothing about us.
//
//                 VERSION ok: send [VERSION (inbound)] + VERACK
//   kAwaitVersion ---------------------------------------------> kAwaitVerack
//        |                                                            |  VERACK
//        | VERSION too old / self / anything else                     v
//        +-----------------------------> (reject)              kComplete
//   kAwaitVerack accepts wtxidrelay, sendaddrv2 (BIP339/155 are sent there) and unknown
//   commands; any other message before VERACK is misbehaviour.
class Handshake {
 public:
  enum class State { kAwaitVersion, kAwaitVerack, kComplete };

  struct Step {
    bool send_version = false;  // send our VERSION before anything else in this step
    bool send_verack = false;
    bool complete = false;  // the link is up
    // Close the connection for this reason (with `detail`).
    std::optional<DisconnectReason> reject;
    std::string detail;
    // Report this to the policy (which decides whether to close).
    std::optional<Misbehavior> misbehavior;
  };

  Handshake(Direction direction, int32_t min_peer_version)
      : direction_(direction), min_peer_version_(min_peer_version) {}

  // `is_local_nonce` says whether a VERSION nonce is one this node sent (a self-connection).
  Step OnMessage(const wire::Message& message,
                 const std::function<bool(uint64_t)>& is_local_nonce);

  State state() const { return state_; }
  // The peer's VERSION, once received.
  const std::optional<wire::Version>& peer_version() const { return peer_version_; }
  // The peer sent `wtxidrelay` (BIP339) / `sendaddrv2` (BIP155) before its VERACK.
  bool peer_wtxid_relay() const { return peer_wtxid_relay_; }
  bool peer_addrv2() const { return peer_addrv2_; }

 private:
  Step OnVersion(const wire::Version& version, const std::function<bool(uint64_t)>& is_local_nonce);

  Direction direction_;
  int32_t min_peer_version_;
  State state_ = State::kAwaitVersion;
  std::optional<wire::Version> peer_version_;
  bool peer_wtxid_relay_ = false;
  bool peer_addrv2_ = false;
};

// Keeps at most one ping outstanding and measures its round trip. Thread-compatible.
class PingTracker {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  void OnSent(uint64_t nonce, SteadyTime now) {
    outstanding_ = nonce;
    sent_at_ = now;
  }
  // The round trip if `nonce` answers the outstanding ping; nullopt otherwise (ignored, as
  // Bitcoin Core does: a stray pong is harmless).
  std::optional<std::chrono::microseconds> OnPong(uint64_t nonce, SteadyTime now) {
    if (!outstanding_ || *outstanding_ != nonce) return std::nullopt;
    outstanding_.reset();
    return std::chrono::duration_cast<std::chrono::microseconds>(now - sent_at_);
  }
  bool outstanding() const { return outstanding_.has_value(); }
  SteadyTime sent_at() const { return sent_at_; }

 private:
  std::optional<uint64_t> outstanding_;
  SteadyTime sent_at_{};
};

}  // namespace parthenon::p2p::handlers
