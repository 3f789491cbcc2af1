// BlockDownload: the block download scheduler of headers-first sync. Sans-I/O: time is passed
// in, the chain and the peers' knowledge are read through a narrow Context, and requests come
// out as `getdata` messages in an Effects value.
//
// It keeps the download queue (the header chain from the fork point with the active chain to
// the best header), requests up to `window` blocks ahead of the first one not yet connected,
// lowest height first, from at most `max_in_flight_per_peer` per peer, each with a deadline:
//   - peer choice: a peer known to have the block, else one whose chain is high enough, the
//     least loaded among them; never one that said `notfound` for it;
//   - stall reassignment: an expired request marks the block as stalled for its peer, which is
//     then asked again only when no other peer can serve it;
//   - re-requests: a block whose stored copy is damaged (MarkCorrupt) is fetched again from a
//     peer whose chain reaches its height, even though we "have" it.
// It also accounts the time during which blocks are wanted but none is in flight (the
// pipeline's idle time, SyncStatus::download_idle).
//
// Thread-compatible: its owner serialises calls (ChainSync's mutex).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "crypto/uint256.h"
#include "p2p/handlers/effects.h"
#include "p2p/handlers/inventory.h"

namespace parthenon::p2p {

class BlockDownload {
 public:
  struct Options {
    size_t window = 1024;
    size_t max_in_flight_per_peer = 16;
    std::chrono::milliseconds timeout{10'000};
  };

  // A block of the chain: its hash and height.
  struct ChainPoint {
    crypto::Uint256 hash;
    int32_t height = 0;
  };

  // What the scheduler reads from its owner. Calls happen inside BlockDownload's methods only.
  class Context {
   public:
    virtual ~Context() = default;
    virtual ChainPoint Tip() const = 0;
    virtual ChainPoint HeaderTip() const = 0;  // the best valid header
    // The active chain's block at `height` (nullopt above the tip).
    virtual std::optional<crypto::Uint256> ActiveHash(int32_t height) const = 0;
    // The parent of a known header (nullopt if unknown).
    virtual std::optional<crypto::Uint256> Parent(const crypto::Uint256& hash) const = 0;
    // The block was received (waiting for validation) or connected: never requested again.
    virtual bool Have(const crypto::Uint256& hash) const = 0;
    virtual int32_t PeerHeight(PeerId peer) const = 0;
    // The peer announced (or sent) the block.
    virtual bool PeerHas(PeerId peer, const crypto::Uint256& hash) const = 0;
    // How to ask `peer` for the block at `height` (BIP152: MSG_CMPCT_BLOCK for the block on top
    // of the tip from a compact-block peer).
    virtual wire::InvType RequestType(PeerId /*peer*/, int32_t /*height*/) const {
      return wire::InvType::kWitnessBlock;
    }
  };

  struct TimeAccount {
    std::chrono::nanoseconds active{0};  // blocks wanted and at least one in flight
    std::chrono::nanoseconds idle{0};    // blocks wanted, none in flight
  };

  explicit BlockDownload(Options options) : options_(options) {}

  void AddPeer(PeerId peer);
  // Forgets the peer and its requests (the next Schedule gives them to others).
  void RemovePeer(PeerId peer, SteadyTime now);

  // The best header changed: rebuilds the queue from the fork point with the active chain.
  void Rebuild(const Context& context);
  // Requests what the window and the peers' free slots allow.
  void Schedule(const Context& context, SteadyTime now, Effects& fx);
  // A block Context::Have() reported is wanted again (its validation failed, or it was dropped
  // before validation): the next Schedule looks at the whole window again.
  void Rescan() { scan_from_ = 0; }
  // A damaged stored block: fetched again (RequestRefetches) and let through as requested.
  void MarkCorrupt(const crypto::Uint256& hash, int32_t height);
  // Requests each damaged block not in flight from the least loaded peer whose chain reaches it.
  void RequestRefetches(const Context& context, SteadyTime now, Effects& fx);

  // A request made outside Schedule (a compact block being rebuilt from `peer`, or the full
  // block asked of it as the fallback): `peer` now owns the block's request, with a deadline.
  void Assign(const crypto::Uint256& hash, PeerId peer, SteadyTime now);
  // Drops `peer`'s request for the block (its reconstruction failed): wanted again. true if it
  // owned it.
  bool Release(const crypto::Uint256& hash, PeerId peer);
  bool InFlight(const crypto::Uint256& hash) const { return requests_.InFlight(hash); }

  enum class Arrival {
    kRequested,    // we asked someone for it (a late delivery counts)
    kRefetch,      // a fresh copy of a damaged block: to be stored again
    kUnrequested,
  };
  // A `block` arrived (from any peer): its request, if any, is done.
  Arrival OnBlock(const crypto::Uint256& hash, SteadyTime now);
  // The peer does not have the block: it is never asked again for it. true if it owned the
  // request.
  bool OnNotFound(PeerId peer, const crypto::Uint256& hash, SteadyTime now);
  // Drops the requests whose deadline passed, marking each block stalled for its peer; returns
  // how many expired per peer.
  std::map<PeerId, size_t> TakeExpired(SteadyTime now);

  size_t InFlight() const { return requests_.size(); }
  size_t InFlightFor(PeerId peer) const { return requests_.CountFor(peer); }
  std::optional<PeerId> Owner(const crypto::Uint256& hash) const { return requests_.Owner(hash); }
  // Blocks of the queue not connected yet (0: nothing to download).
  size_t Pending() const { return queue_.size() - cursor_; }
  // Time accounted up to the last call that passed `now`.
  TimeAccount Times() const { return times_; }

 private:
  struct Peer {
    Peer() : failed(256), stalled(256) {}
    BoundedHashSet failed;   // said notfound: never asked again for these
    BoundedHashSet stalled;  // was late with these: asked again only as a last resort
  };

  std::optional<PeerId> ChoosePeer(const Context& context, const crypto::Uint256& hash,
                                   int32_t height) const;
  void SkipConnected(const Context& context);
  void Account(SteadyTime now);

  // Constant after construction.
  const Options options_;

  std::map<PeerId, Peer> peers_;
  RequestTracker requests_;
  std::map<crypto::Uint256, int32_t> refetch_;  // damaged blocks and their heights
  // queue_[i] has height base_ + i; queue_[..cursor_) is on the active chain.
  std::vector<crypto::Uint256> queue_;
  int32_t base_ = 0;
  size_t cursor_ = 0;
  // queue_[cursor_..scan_from_) were all received or in flight at the last Schedule: it starts
  // from here (amortised O(1) per block instead of a scan of the window). Lowered by every event
  // that can make one of them wanted again.
  size_t scan_from_ = 0;
  crypto::Uint256 queue_tip_;
  TimeAccount times_;
  std::optional<SteadyTime> accounted_until_;
};

}  // namespace parthenon::p2p
