// BIP152 compact blocks (version 2), sans-I/O: short ids, building a cmpctblock from a block,
// rebuilding a block from a cmpctblock and the transactions we hold (PartialBlock), the blocks
// being rebuilt per peer (PendingCompactBlocks), the pool of recently rejected transactions
// (ExtraTxPool) and the choice of high-bandwidth peers (HighBandwidthPeers). Nothing here
// touches a socket, a thread or a clock: time is passed in, effects are returned. ChainSync
// wires these into the relay path (handlers/compact_relay.cpp; docs/compact-blocks.md).
//
// Thread-safety: value types, thread-compatible.
#pragma once

#include <cstdint>
#include <deque>
#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "crypto/siphash.h"
#include "p2p/handlers/inventory.h"
#include "p2p/peer.h"
#include "p2p/wire/messages.h"
#include "primitives/block.h"

namespace parthenon::p2p::compact {

// The only compact-block version we speak (short ids over wtxids, witness data included).
inline constexpr uint64_t kVersion = 2;
inline constexpr uint64_t kShortIdMask = 0xffff'ffff'ffffULL;

// BIP152: k0, k1 = the first two little-endian 64-bit words of
// SHA256(80-byte header || nonce as 8 bytes little-endian).
crypto::SipKey ShortIdKey(const primitives::BlockHeader& header, uint64_t nonce);
// The low 48 bits of SipHash-2-4(key, wtxid).
uint64_t ShortId(const crypto::SipKey& key, const crypto::Uint256& wtxid);

// The cmpctblock for `block` keyed by `nonce`: the coinbase prefilled, every other transaction
// as the short id of its wtxid. REQUIRES: the block has a coinbase and < 2^16 transactions.
wire::CmpctBlock MakeCompactBlock(const primitives::Block& block, uint64_t nonce);

// Where a PartialBlock looks for the transactions a cmpctblock names by short id.
class TxSource {
 public:
  using Visitor =
      std::function<void(const crypto::Uint256& wtxid, const primitives::Transaction& tx)>;
  virtual ~TxSource() = default;
  // Calls `visit` once for every transaction offered (the visitor copies what it keeps).
  virtual void ForEach(const Visitor& visit) const = 0;
};

// The last `capacity` transactions we received but did not keep (rejected by policy, orphans,
// evicted): a block may still contain them. Oldest forgotten first.
class ExtraTxPool final : public TxSource {
 public:
  explicit ExtraTxPool(size_t capacity) : capacity_(capacity) {}
  void Add(const primitives::Transaction& tx);
  void ForEach(const Visitor& visit) const override;
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    crypto::Uint256 wtxid;
    primitives::Transaction tx;
  };
  size_t capacity_;
  std::deque<Entry> entries_;
};

// Why a compact block could not be (fully) rebuilt.
enum class ReconstructError {
  // The peer broke BIP152 (no transactions, an index out of range, blocktxn of the wrong
  // length): misbehaviour (kInvalidBlock).
  kInvalid,
  // Two of the block's short ids are equal: it cannot be rebuilt from short ids at all; ask
  // for the full block (honest, if rare: 48-bit ids).
  kShortIdCollision,
  // Filled, but the merkle root or witness commitment does not match: some pool transaction
  // collided with a short id of the block. Ask for the full block.
  kMismatch,
};
std::string_view ToString(ReconstructError error);

// A block being rebuilt from a cmpctblock (Bitcoin Core's PartiallyDownloadedBlock). Start()
// places the prefilled transactions and fills every short id it finds in the sources; a short id
// matched by two different transactions of the sources is left empty (it goes into Missing(), so
// the getblocktxn round fetches the right one). Finish() adds the transactions of the peer's
// blocktxn and checks the merkle root and the witness commitment.
class PartialBlock {
 public:
  [[nodiscard]] static std::expected<PartialBlock, ReconstructError> Start(
      const wire::CmpctBlock& compact, std::span<const TxSource* const> sources);

  const primitives::BlockHeader& header() const { return header_; }
  crypto::Uint256 hash() const { return header_.Hash(); }
  size_t transaction_count() const { return slots_.size(); }
  // Positions still empty, increasing (what a getblocktxn asks for).
  std::vector<uint32_t> Missing() const;
  // How many slots the sources filled (for statistics).
  size_t filled_from_sources() const { return filled_from_sources_; }

  // The block, with `missing` (the blocktxn answer, in Missing() order) in the empty slots.
  // kInvalid if `missing` has the wrong length; kMismatch if the result does not commit to
  // the header's merkle root or its coinbase's witness commitment.
  [[nodiscard]] std::expected<primitives::Block, ReconstructError> Finish(
      std::span<const primitives::Transaction> missing) const;

 private:
  PartialBlock() = default;

  primitives::BlockHeader header_;
  std::vector<std::optional<primitives::Transaction>> slots_;
  size_t filled_from_sources_ = 0;
};

// Blocks being rebuilt, waiting for a blocktxn: bounded per peer and in total, each with a
// deadline (passed in).
class PendingCompactBlocks {
 public:
  struct Limits {
    size_t per_peer = 2;
    size_t total = 16;
  };
  explicit PendingCompactBlocks(Limits limits) : limits_(limits) {}

  // false (nothing stored) if the peer or the total is at its cap, or the peer already has one
  // for this block.
  bool Add(PeerId peer, PartialBlock partial, SteadyTime deadline);
  // The block the peer's blocktxn for `hash` completes (removed), if we wait for one.
  std::optional<PartialBlock> Take(PeerId peer, const crypto::Uint256& hash);
  bool Contains(PeerId peer, const crypto::Uint256& hash) const;
  void RemovePeer(PeerId peer);
  // Removes and returns the (peer, block hash) entries whose deadline is before `now`.
  std::vector<std::pair<PeerId, crypto::Uint256>> TakeExpired(SteadyTime now);
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    PartialBlock partial;
    SteadyTime deadline;
  };
  size_t CountFor(PeerId peer) const;

  Limits limits_;
  std::map<std::pair<PeerId, crypto::Uint256>, Entry> entries_;
};

// High-bandwidth peers (Bitcoin Core's MaybeSetPeerAsAnnouncingHeaderAndIDs): the last kMax
// compact-capable peers that were first to deliver a new block. We ask each of them with
// sendcmpct(1) to push new blocks as cmpctblock without an announcement round; a peer pushed out
// of the list by a newer one is told sendcmpct(0).
//
//   not HB --(delivers a new block first; list full: oldest demoted)--> HB
//   HB --(delivers again)--> HB, now the most recent
//   HB --(kMax newer peers delivered first)--> not HB (sendcmpct(0))
//   any --(disconnects)--> removed, nothing sent
class HighBandwidthPeers {
 public:
  static constexpr size_t kMax = 3;
  // The sendcmpct messages to send: to the promoted peer (announce=true), to the demoted one
  // (announce=false).
  using Effects = std::vector<std::pair<PeerId, wire::SendCmpct>>;

  // `peer` delivered a block that became new to us before anyone else did.
  // Peers that do not speak version 2 are never chosen (no effects).
  [[nodiscard]] Effects OnFirstDelivery(PeerId peer, bool speaks_compact);
  void Remove(PeerId peer);
  bool Contains(PeerId peer) const;
  // Oldest first.
  const std::deque<PeerId>& peers() const { return peers_; }

 private:
  std::deque<PeerId> peers_;
};

}  // namespace parthenon::p2p::compact
