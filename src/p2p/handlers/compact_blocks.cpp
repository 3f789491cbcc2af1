#include "p2p/handlers/compact_blocks.h"

#include <algorithm>
#include <unordered_map>

#include "crypto/sha256.h"
#include "primitives/merkle.h"

namespace parthenon::p2p::compact {

crypto::SipKey ShortIdKey(const primitives::BlockHeader& header, uint64_t nonce) {
  std::array<std::byte, primitives::BlockHeader::kSize + 8> data;
  const auto serialized = primitives::SerializeHeader(header);
  std::copy(serialized.begin(), serialized.end(), data.begin());
  util::WriteLE<uint64_t>(data.data() + primitives::BlockHeader::kSize, nonce);
  const crypto::Digest digest = crypto::Sha256Hash(data);
  return {util::ReadLE<uint64_t>(digest.data()), util::ReadLE<uint64_t>(digest.data() + 8)};
}

uint64_t ShortId(const crypto::SipKey& key, const crypto::Uint256& wtxid) {
  return crypto::SipHash24(key, wtxid) & kShortIdMask;
}

wire::CmpctBlock MakeCompactBlock(const primitives::Block& block, uint64_t nonce) {
  wire::CmpctBlock compact{.header = block.header, .nonce = nonce};
  const crypto::SipKey key = ShortIdKey(block.header, nonce);
  compact.prefilled.push_back({0, block.transactions.front()});
  compact.short_ids.reserve(block.transactions.size() - 1);
  for (size_t i = 1; i < block.transactions.size(); ++i) {
    compact.short_ids.push_back(ShortId(key, primitives::Wtxid(block.transactions[i])));
  }
  return compact;
}

// --- ExtraTxPool ---

void ExtraTxPool::Add(const primitives::Transaction& tx) {
  if (capacity_ == 0) return;
  if (entries_.size() >= capacity_) entries_.pop_front();
  entries_.push_back({primitives::Wtxid(tx), tx});
}

void ExtraTxPool::ForEach(const Visitor& visit) const {
  for (const Entry& entry : entries_) visit(entry.wtxid, entry.tx);
}

std::string_view ToString(ReconstructError error) {
  switch (error) {
    case ReconstructError::kInvalid: return "invalid compact block";
    case ReconstructError::kShortIdCollision: return "short id collision within the block";
    case ReconstructError::kMismatch: return "rebuilt block does not match its header";
  }
  return "?";
}

// --- PartialBlock ---

std::expected<PartialBlock, ReconstructError> PartialBlock::Start(
    const wire::CmpctBlock& compact, std::span<const TxSource* const> sources) {
  const size_t total = compact.short_ids.size() + compact.prefilled.size();
  if (total == 0 || total > wire::kMaxBlockTransactions) {
    return std::unexpected(ReconstructError::kInvalid);
  }
  PartialBlock partial;
  partial.header_ = compact.header;
  partial.slots_.resize(total);
  for (const auto& prefilled : compact.prefilled) {
    // Increasing indexes (the wire encoding guarantees it), each within the block.
    if (prefilled.index >= total || partial.slots_[prefilled.index]) {
      return std::unexpected(ReconstructError::kInvalid);
    }
    partial.slots_[prefilled.index] = prefilled.tx;
  }
  // Short id -> the slot it names: the empty slots, in order.
  std::unordered_map<uint64_t, size_t> by_short_id;
  by_short_id.reserve(compact.short_ids.size());
  size_t next = 0;
  for (const uint64_t id : compact.short_ids) {
    while (partial.slots_[next]) ++next;
    if (!by_short_id.emplace(id & kShortIdMask, next).second) {
      return std::unexpected(ReconstructError::kShortIdCollision);
    }
    ++next;
  }
  // Slots matched by two different transactions of the sources stay empty (requested).
  std::vector<bool> ambiguous(total, false);
  const crypto::SipKey key = ShortIdKey(compact.header, compact.nonce);
  size_t matched = 0;
  for (const TxSource* source : sources) {
    source->ForEach([&](const crypto::Uint256& wtxid, const primitives::Transaction& tx) {
      const auto it = by_short_id.find(ShortId(key, wtxid));
      if (it == by_short_id.end() || ambiguous[it->second]) return;
      auto& slot = partial.slots_[it->second];
      if (!slot) {
        slot = tx;
        ++matched;
      } else if (!(*slot == tx)) {
        slot.reset();
        ambiguous[it->second] = true;
        --matched;
      }
    });
  }
  partial.filled_from_sources_ = matched;
  return partial;
}

std::vector<uint32_t> PartialBlock::Missing() const {
  std::vector<uint32_t> missing;
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (!slots_[i]) missing.push_back(static_cast<uint32_t>(i));
  }
  return missing;
}

namespace {

// The block commits to its witness data (BIP141) if its coinbase says so; false if it does not
// match (a pool transaction with the right txid and short id but another witness).
bool WitnessCommitmentMatches(const primitives::Block& block) {
  const auto& coinbase = block.transactions.front();
  const auto output = primitives::FindWitnessCommitment(coinbase);
  if (!output) return true;  // nothing committed: validation decides
  if (coinbase.inputs.empty() || coinbase.inputs[0].witness.size() != 1 ||
      coinbase.inputs[0].witness[0].size() != 32) {
    return true;  // malformed reserved value: a consensus failure for validation to report
  }
  const auto root = primitives::BlockWitnessMerkleRoot(block).root;
  const auto commitment =
      primitives::ComputeWitnessCommitment(root, coinbase.inputs[0].witness[0]);
  const auto& script = coinbase.outputs[*output].script_pubkey;
  return std::equal(commitment.span().begin(), commitment.span().end(),
                    script.begin() + primitives::kWitnessCommitmentPrefix.size());
}

}  // namespace

std::expected<primitives::Block, ReconstructError> PartialBlock::Finish(
    std::span<const primitives::Transaction> missing) const {
  primitives::Block block{.header = header_};
  block.transactions.reserve(slots_.size());
  size_t used = 0;
  for (const auto& slot : slots_) {
    if (slot) {
      block.transactions.push_back(*slot);
    } else if (used < missing.size()) {
      block.transactions.push_back(missing[used++]);
    } else {
      return std::unexpected(ReconstructError::kInvalid);  // too few
    }
  }
  if (used != missing.size()) return std::unexpected(ReconstructError::kInvalid);  // too many
  const auto merkle = primitives::BlockMerkleRoot(block);
  if (merkle.mutated || merkle.root != header_.merkle_root || !WitnessCommitmentMatches(block)) {
    return std::unexpected(ReconstructError::kMismatch);
  }
  return block;
}

// --- PendingCompactBlocks ---

size_t PendingCompactBlocks::CountFor(PeerId peer) const {
  size_t count = 0;
  for (auto it = entries_.lower_bound({peer, crypto::Uint256()});
       it != entries_.end() && it->first.first == peer; ++it) {
    ++count;
  }
  return count;
}

bool PendingCompactBlocks::Add(PeerId peer, PartialBlock partial, SteadyTime deadline) {
  if (entries_.size() >= limits_.total || CountFor(peer) >= limits_.per_peer) return false;
  const auto key = std::make_pair(peer, partial.hash());
  return entries_.try_emplace(key, Entry{std::move(partial), deadline}).second;
}

std::optional<PartialBlock> PendingCompactBlocks::Take(PeerId peer, const crypto::Uint256& hash) {
  auto it = entries_.find({peer, hash});
  if (it == entries_.end()) return std::nullopt;
  PartialBlock partial = std::move(it->second.partial);
  entries_.erase(it);
  return partial;
}

bool PendingCompactBlocks::Contains(PeerId peer, const crypto::Uint256& hash) const {
  return entries_.contains({peer, hash});
}

void PendingCompactBlocks::RemovePeer(PeerId peer) {
  std::erase_if(entries_, [peer](const auto& entry) { return entry.first.first == peer; });
}

std::vector<std::pair<PeerId, crypto::Uint256>> PendingCompactBlocks::TakeExpired(SteadyTime now) {
  std::vector<std::pair<PeerId, crypto::Uint256>> expired;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.deadline < now) {
      expired.push_back(it->first);
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  return expired;
}

// --- HighBandwidthPeers ---

HighBandwidthPeers::Effects HighBandwidthPeers::OnFirstDelivery(PeerId peer, bool speaks_compact) {
  if (!speaks_compact) return {};
  if (auto it = std::find(peers_.begin(), peers_.end(), peer); it != peers_.end()) {
    peers_.erase(it);
    peers_.push_back(peer);  // already told: now the most recent
    return {};
  }
  Effects effects;
  if (peers_.size() >= kMax) {
    effects.emplace_back(peers_.front(), wire::SendCmpct{false, kVersion});
    peers_.pop_front();
  }
  peers_.push_back(peer);
  effects.emplace_back(peer, wire::SendCmpct{true, kVersion});
  return effects;
}

void HighBandwidthPeers::Remove(PeerId peer) { std::erase(peers_, peer); }

bool HighBandwidthPeers::Contains(PeerId peer) const {
  return std::find(peers_.begin(), peers_.end(), peer) != peers_.end();
}

}  // namespace parthenon::p2p::compact
