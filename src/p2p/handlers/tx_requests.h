// TxRequests: which peer we ask for each announced transaction. Sans-I/O: time is passed in and
// `getdata` messages come out in an Effects value.
//
// Every announced transaction we lack is requested from its first announcer (up to
// kMaxAnnouncers are remembered); a `notfound`, an expired deadline or a disconnect moves the
// request to the next announcer that has not failed us for it, and a transaction without one is
// forgotten. At most kMaxRequestsPerPeer are in flight per peer (bounds what one peer's inv
// flood costs). A wtxid-relay peer (BIP339) is asked by wtxid (MSG_WTX), others by txid
// (MSG_WITNESS_TX), and so are the parents of an orphan (their txid is all we know).
//
// Thread-compatible: its owner serialises calls (ChainSync's mutex).
#pragma once

#include <chrono>
#include <map>
#include <unordered_map>
#include <vector>

#include "crypto/uint256.h"
#include "p2p/handlers/effects.h"
#include "p2p/handlers/inventory.h"

namespace parthenon::p2p {

class TxRequests {
 public:
  static constexpr size_t kMaxAnnouncers = 8;
  static constexpr size_t kMaxRequestsPerPeer = 1000;

  explicit TxRequests(std::chrono::milliseconds timeout) : timeout_(timeout) {}

  void AddPeer(PeerId peer, bool wtxid_relay);
  // Its requests go to their next announcers.
  void RemovePeer(PeerId peer, SteadyTime now, Effects& fx);

  // `peer` announced `hash` (a wtxid from a wtxid-relay peer, else a txid) that we lack.
  void OnAnnounced(PeerId peer, const crypto::Uint256& hash, SteadyTime now, Effects& fx);
  // An orphan from `peer` spends `parent`, which we lack: ask `peer` for it by txid.
  void RequestParent(PeerId peer, const crypto::Uint256& parent, SteadyTime now, Effects& fx);
  // The transaction arrived (from anyone) or entered the pool: nothing more to ask.
  void Forget(const crypto::Uint256& txid, const crypto::Uint256& wtxid);
  // The peer does not have it: the next announcer is asked. true if `peer` owned the request.
  bool OnNotFound(PeerId peer, const crypto::Uint256& hash, SteadyTime now, Effects& fx);
  // Expired requests go to the next announcers; returns how many expired per peer.
  std::map<PeerId, size_t> TakeExpired(SteadyTime now, Effects& fx);

  bool InFlight(const crypto::Uint256& hash) const { return requests_.InFlight(hash); }
  std::optional<PeerId> Owner(const crypto::Uint256& hash) const { return requests_.Owner(hash); }
  size_t InFlightFor(PeerId peer) const { return requests_.CountFor(peer); }

 private:
  struct Peer {
    explicit Peer(bool wtxid) : wtxid_relay(wtxid), failed(256) {}
    bool wtxid_relay;
    BoundedHashSet failed;  // said notfound or was late: never asked again for these
  };

  // Asks the first announcer of `hash` that has not failed us for it; forgets it if none is left.
  void Request(const crypto::Uint256& hash, SteadyTime now, Effects& fx);
  void Failed(PeerId peer, const crypto::Uint256& hash);

  // Constant after construction.
  const std::chrono::milliseconds timeout_;

  std::map<PeerId, Peer> peers_;
  RequestTracker requests_;
  std::unordered_map<crypto::Uint256, std::vector<PeerId>, HashHasher> announcers_;
  BoundedHashSet orphan_parents_{4096};  // asked for by txid even of wtxid-relay peers
};

}  // namespace parthenon::p2p
