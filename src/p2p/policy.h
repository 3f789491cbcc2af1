// The one place where misbehaviour is judged and admission is decided. The network manager asks
// its PeerPolicy; the peer database (a later issue) implements it with scores and bans.
#pragma once

#include "p2p/peer.h"
#include "p2p/wire/net_address.h"

namespace parthenon::p2p {

enum class MisbehaviorAction {
  kIgnore,      // keep the connection (e.g. the score is still below the threshold)
  kDisconnect,  // close the connection
  kBan,         // close it and refuse the address from now on (the policy remembers)
};

// Implementations must be thread-safe: the manager calls them from its I/O threads, from any
// peer's strand, concurrently. They must not block and must not call back into the
// NetworkManager synchronously.
class PeerPolicy {
 public:
  virtual ~PeerPolicy() = default;
  // Checked when an inbound connection is accepted and before every outbound dial.
  // true: refuse the connection (the socket is closed without a word).
  virtual bool IsBanned(const wire::NetAddress& address) = 0;
  // The peer `id` at `address` misbehaved. The returned action is carried out at once.
  virtual MisbehaviorAction OnMisbehavior(PeerId id, const wire::NetAddress& address,
                                          const Misbehavior& misbehavior) = 0;
};

// The default: nobody is banned; any misbehaviour disconnects (and the manager logs it).
// Thread-safe (stateless).
class DisconnectPolicy final : public PeerPolicy {
 public:
  bool IsBanned(const wire::NetAddress&) override { return false; }
  MisbehaviorAction OnMisbehavior(PeerId, const wire::NetAddress&, const Misbehavior&) override {
    return MisbehaviorAction::kDisconnect;
  }
};

}  // namespace parthenon::p2p
