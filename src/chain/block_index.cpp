#include "chain/block_index.h"

#include <algorithm>

#include "consensus/block_check.h"
#include "consensus/params.h"
#include "consensus/pow.h"

namespace parthenon::chain {
namespace {

constexpr uint8_t kRecordVersion = 1;

void WritePos(primitives::Writer& out, const storage::FilePos& pos) {
  out.U32(pos.file);
  out.U64(pos.offset);
  out.U32(pos.size);
}

storage::FilePos ReadPos(primitives::Reader& in) {
  storage::FilePos pos;
  pos.file = in.U32();
  pos.offset = in.U64();
  pos.size = in.U32();
  return pos;
}

}  // namespace

util::Bytes SerializeIndexRecord(const BlockIndexEntry& entry) {
  primitives::Writer out;
  out.U8(kRecordVersion);
  primitives::Serialize(out, entry.header);
  out.I32(entry.height);
  out.U32(entry.status);
  out.U32(entry.tx_count);
  WritePos(out, entry.data_pos);
  WritePos(out, entry.undo_pos);
  return out.Take();
}

primitives::Result<BlockIndexEntry> DecodeIndexRecord(util::ByteSpan data) {
  return primitives::DecodeAll<BlockIndexEntry>(data, [](primitives::Reader& in) {
    BlockIndexEntry entry;
    if (in.U8() != kRecordVersion) in.Fail(primitives::Error::kBadWitnessFlag);
    entry.header = primitives::ReadBlockHeader(in);
    entry.height = in.I32();
    entry.status = in.U32();
    entry.tx_count = in.U32();
    entry.data_pos = ReadPos(in);
    entry.undo_pos = ReadPos(in);
    if (entry.height < 0) in.Fail(primitives::Error::kSizeTooLarge);
    return entry;
  });
}

BlockIndexEntry* BlockIndex::Find(const crypto::Uint256& hash) const {
  auto it = entries_.find(hash);
  return it == entries_.end() ? nullptr : it->second.get();
}

BlockIndexEntry* BlockIndex::Insert(BlockIndexEntry entry) {
  auto owned = std::make_unique<BlockIndexEntry>(std::move(entry));
  BlockIndexEntry* added = owned.get();
  added->prev = Find(added->header.prev_block);
  added->chain_work = consensus::BlockWork(added->header.bits);
  if (added->prev != nullptr) {
    added->chain_work += added->prev->chain_work;
    added->height = added->prev->height + 1;
    added->prev->children.push_back(added);
  }
  added->sequence = next_sequence_++;
  entries_.emplace(added->hash, std::move(owned));
  return added;
}

const BlockIndexEntry* BlockIndex::Ancestor(const BlockIndexEntry* entry, int32_t height) {
  while (entry != nullptr && entry->height > height) entry = entry->prev;
  return entry;
}

int64_t BlockIndex::MedianTimePast(const BlockIndexEntry* entry) {
  std::vector<int64_t> times;
  for (int i = 0; i < consensus::kMedianTimeSpan && entry != nullptr; ++i, entry = entry->prev) {
    times.push_back(entry->header.time);
  }
  return consensus::MedianTime(times);
}

BlockIndexEntry* BlockIndex::AtHeight(int32_t height) const {
  if (height < 0 || static_cast<size_t>(height) >= active_.size()) return nullptr;
  return active_[static_cast<size_t>(height)];
}

void BlockIndex::SetTip(BlockIndexEntry* tip) {
  if (tip == nullptr) {
    active_.clear();
    return;
  }
  active_.resize(static_cast<size_t>(tip->height) + 1);
  for (BlockIndexEntry* entry = tip; entry != nullptr && active_[entry->height] != entry;
       entry = entry->prev) {
    active_[static_cast<size_t>(entry->height)] = entry;
  }
}

const BlockIndexEntry* BlockIndex::FindFork(const BlockIndexEntry* entry) const {
  if (entry == nullptr || active_.empty()) return nullptr;
  if (entry->height > Tip()->height) entry = Ancestor(entry, Tip()->height);
  while (entry != nullptr && !Contains(entry)) entry = entry->prev;
  return entry;
}

}  // namespace parthenon::chain
