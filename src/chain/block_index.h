// The block index: every header we accepted, linked to its parent, with cumulative chain work,
// validation status and where its block and undo data live. BlockIndex owns the entries (stable
// addresses) and tracks the active chain by height.
//
// Thread-safety: thread-compatible; the Chainstate guards it with its mutex.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "crypto/arith_uint256.h"
#include "primitives/block.h"
#include "storage/flat_file_store.h"

namespace parthenon::chain {

// Status bits of a BlockIndexEntry.
struct BlockStatus {
  static constexpr uint32_t kHaveData = 1;      // block bytes are in a blk file
  static constexpr uint32_t kHaveUndo = 2;      // undo bytes are in a rev file
  static constexpr uint32_t kValid = 4;         // connected once: every rule checked
  static constexpr uint32_t kFailed = 8;        // breaks a rule itself
  static constexpr uint32_t kFailedParent = 16;  // descends from a failed block
  static constexpr uint32_t kFailedMask = kFailed | kFailedParent;
  // The block bytes at data_pos failed their check when read (record magic, length, checksum,
  // or a body that does not decode to this header): the block must be fetched again from a
  // peer. kHaveData stays set (the chain it belongs to is unchanged); storing a good copy
  // (Chainstate::SubmitBlock) clears this bit. See Chainstate::BlocksToRefetch.
  static constexpr uint32_t kDataCorrupt = 32;
};

struct BlockIndexEntry {
  crypto::Uint256 hash;
  primitives::BlockHeader header;
  int32_t height = 0;
  uint32_t status = 0;
  uint32_t tx_count = 0;
  storage::FilePos data_pos;
  storage::FilePos undo_pos;

  // Derived in memory, not stored.
  BlockIndexEntry* prev = nullptr;
  std::vector<BlockIndexEntry*> children;
  crypto::ArithUint256 chain_work;
  bool chain_has_data = false;  // this block and every ancestor have data
  uint64_t sequence = 0;        // arrival order: the first seen wins a chain-work tie

  bool Failed() const { return (status & BlockStatus::kFailedMask) != 0; }
  bool HaveData() const { return (status & BlockStatus::kHaveData) != 0; }
  bool DataCorrupt() const { return (status & BlockStatus::kDataCorrupt) != 0; }
};

// The persistent part of an entry: version | header | height | status | tx count | data pos |
// undo pos. Keyed by block hash in the block_index column.
util::Bytes SerializeIndexRecord(const BlockIndexEntry& entry);
// Fills everything but the derived fields; the caller checks the hash matches the key.
[[nodiscard]] primitives::Result<BlockIndexEntry> DecodeIndexRecord(util::ByteSpan data);

class BlockIndex {
 public:
  BlockIndexEntry* Find(const crypto::Uint256& hash) const;
  // Adds an entry whose parent (if any) is already present; computes the derived fields.
  BlockIndexEntry* Insert(BlockIndexEntry entry);
  size_t size() const { return entries_.size(); }

  // The ancestor of `entry` at `height` (<= entry->height).
  static const BlockIndexEntry* Ancestor(const BlockIndexEntry* entry, int32_t height);
  // Median time of `entry` and up to 10 ancestors.
  static int64_t MedianTimePast(const BlockIndexEntry* entry);

  // Active chain.
  BlockIndexEntry* Tip() const { return active_.empty() ? nullptr : active_.back(); }
  BlockIndexEntry* AtHeight(int32_t height) const;
  bool Contains(const BlockIndexEntry* entry) const { return AtHeight(entry->height) == entry; }
  // Makes `tip` the active tip (its ancestors become the active chain).
  void SetTip(BlockIndexEntry* tip);
  // The last common block of the active chain and `entry`.
  const BlockIndexEntry* FindFork(const BlockIndexEntry* entry) const;

  // Every entry (unspecified order).
  std::vector<BlockIndexEntry*> All() const {
    std::vector<BlockIndexEntry*> all;
    all.reserve(entries_.size());
    for (const auto& [hash, entry] : entries_) all.push_back(entry.get());
    return all;
  }

 private:
  std::unordered_map<crypto::Uint256, std::unique_ptr<BlockIndexEntry>> entries_;
  std::vector<BlockIndexEntry*> active_;
  uint64_t next_sequence_ = 0;
};

}  // namespace parthenon::chain
