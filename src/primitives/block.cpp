#include "primitives/block.h"

#include "crypto/sha256.h"

namespace parthenon::primitives {

void Serialize(Writer& out, const BlockHeader& header) {
  out.I32(header.version);
  out.Hash(header.prev_block);
  out.Hash(header.merkle_root);
  out.U32(header.time);
  out.U32(header.bits);
  out.U32(header.nonce);
}

std::array<std::byte, BlockHeader::kSize> SerializeHeader(const BlockHeader& header) {
  std::array<std::byte, BlockHeader::kSize> out;
  std::byte* p = out.data();
  util::WriteLE<uint32_t>(p, static_cast<uint32_t>(header.version));
  std::memcpy(p + 4, header.prev_block.data(), 32);
  std::memcpy(p + 36, header.merkle_root.data(), 32);
  util::WriteLE<uint32_t>(p + 68, header.time);
  util::WriteLE<uint32_t>(p + 72, header.bits);
  util::WriteLE<uint32_t>(p + 76, header.nonce);
  return out;
}

crypto::Uint256 BlockHeader::Hash() const { return crypto::Sha256d(SerializeHeader(*this)); }

BlockHeader ReadBlockHeader(Reader& in) {
  BlockHeader header;
  header.version = in.I32();
  header.prev_block = in.Hash();
  header.merkle_root = in.Hash();
  header.time = in.U32();
  header.bits = in.U32();
  header.nonce = in.U32();
  return header;
}

Result<BlockHeader> DecodeBlockHeader(util::ByteSpan data) {
  return DecodeAll<BlockHeader>(data, ReadBlockHeader);
}

void Serialize(Writer& out, const Block& block, WitnessMode mode) {
  Serialize(out, block.header);
  out.CompactSize(block.transactions.size());
  for (const Transaction& tx : block.transactions) Serialize(out, tx, mode);
}

util::Bytes Serialize(const Block& block, WitnessMode mode) {
  Writer writer;
  writer.Reserve(SerializedSize(block, mode));
  Serialize(writer, block, mode);
  return writer.Take();
}

size_t SerializedSize(const Block& block, WitnessMode mode) {
  size_t size = BlockHeader::kSize + CompactSizeLength(block.transactions.size());
  for (const Transaction& tx : block.transactions) size += SerializedSize(tx, mode);
  return size;
}

Block ReadBlock(Reader& in) {
  Block block;
  block.header = ReadBlockHeader(in);
  block.transactions.resize(in.Count(kMaxSize, kMinTransactionSize));
  for (Transaction& tx : block.transactions) {
    tx = ReadTransaction(in);
    if (!in.ok()) break;
  }
  return block;
}

Result<Block> DecodeBlock(util::ByteSpan data) { return DecodeAll<Block>(data, ReadBlock); }

int64_t Weight(const Block& block) {
  return static_cast<int64_t>(SerializedSize(block, WitnessMode::kExclude) * 3 +
                              SerializedSize(block, WitnessMode::kInclude));
}

}  // namespace parthenon::primitives
