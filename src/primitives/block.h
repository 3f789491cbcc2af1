// Block headers and blocks in Bitcoin's serialization. Plain value types (thread-compatible).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "crypto/uint256.h"
#include "primitives/serialize.h"
#include "primitives/transaction.h"

namespace parthenon::primitives {

struct BlockHeader {
  static constexpr size_t kSize = 80;

  int32_t version = 0;
  crypto::Uint256 prev_block;
  crypto::Uint256 merkle_root;
  uint32_t time = 0;
  uint32_t bits = 0;  // compact proof-of-work target
  uint32_t nonce = 0;

  // SHA256d of the 80-byte serialization.
  crypto::Uint256 Hash() const;
  bool operator==(const BlockHeader&) const = default;
};

struct Block {
  BlockHeader header;
  std::vector<Transaction> transactions;

  bool operator==(const Block&) const = default;
};

void Serialize(Writer& out, const BlockHeader& header);
std::array<std::byte, BlockHeader::kSize> SerializeHeader(const BlockHeader& header);
BlockHeader ReadBlockHeader(Reader& in);
[[nodiscard]] Result<BlockHeader> DecodeBlockHeader(util::ByteSpan data);

void Serialize(Writer& out, const Block& block, WitnessMode mode = WitnessMode::kInclude);
util::Bytes Serialize(const Block& block, WitnessMode mode = WitnessMode::kInclude);
size_t SerializedSize(const Block& block, WitnessMode mode = WitnessMode::kInclude);
Block ReadBlock(Reader& in);
[[nodiscard]] Result<Block> DecodeBlock(util::ByteSpan data);

// BIP141 block weight: legacy size × 3 + full size.
int64_t Weight(const Block& block);

}  // namespace parthenon::primitives
