// Test helper (not part of the library API): one or more sample values of every message type,
// filled from a seeded generator, for round-trip tests, stream tests, benchmarks and fuzz seeds.
// Header-only; thread-compatible.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "p2p/wire/messages.h"
#include "primitives/block.h"
#include "primitives/test_data.h"
#include "util/hex.h"

namespace parthenon::p2p::wire::test {

inline crypto::Uint256 RandomHash(std::mt19937_64& rng) {
  std::array<std::byte, 32> bytes;
  for (auto& b : bytes) b = std::byte(rng());
  return crypto::Uint256(bytes);
}

inline NetAddress RandomAddress(std::mt19937_64& rng) {
  if (rng() % 2) {
    return NetAddress::FromIPv4({uint8_t(rng()), uint8_t(rng()), uint8_t(rng()), uint8_t(rng())},
                                uint16_t(rng()));
  }
  NetAddress::IpBytes ip;
  for (auto& b : ip) b = std::byte(rng());
  return NetAddress(ip, uint16_t(rng()));
}

inline primitives::Block GenesisBlock() {
  return *primitives::DecodeBlock(
      util::HexToBytes(primitives::test_data::kBitcoinGenesisBlockHex));
}

// A transaction with a witness, so the BIP144 form is exercised.
inline primitives::Transaction WitnessTransaction(std::mt19937_64& rng) {
  primitives::Transaction tx;
  primitives::TxIn in;
  in.prevout = {RandomHash(rng), uint32_t(rng() % 4)};
  in.witness = {util::Bytes(64, std::byte{0x5a})};
  tx.inputs.push_back(in);
  util::Bytes script(34, std::byte{0x20});
  script[0] = std::byte{0x51};
  tx.outputs.push_back({int64_t(rng() % 5'000'000'000), script});
  return tx;
}

// Every alternative of Message at least once (Unknown last), with values drawn from `rng`.
inline std::vector<Message> SampleMessages(std::mt19937_64& rng) {
  const size_t n = 1 + rng() % 3;
  Version version;
  version.services = kNodeNetwork | kNodeWitness;
  version.timestamp = int64_t(rng() % 2'000'000'000);
  version.addr_recv = {kNodeNetwork, RandomAddress(rng)};
  version.addr_from = {0, RandomAddress(rng)};
  version.nonce = rng();
  version.user_agent = "/Parthenon:0.1.0/";
  version.start_height = int32_t(rng() % 1'000'000);
  version.relay = rng() % 2 == 0;
  Addr addr;
  for (size_t i = 0; i < n; ++i) {
    addr.entries.push_back({uint32_t(rng()), {rng(), RandomAddress(rng)}});
  }
  std::vector<InvItem> items;
  for (size_t i = 0; i < n; ++i) {
    items.push_back({i % 2 ? InvType::kWitnessTx : InvType::kBlock, RandomHash(rng)});
  }
  GetHeaders get_headers{kProtocolVersion, {}, RandomHash(rng)};
  for (size_t i = 0; i < n; ++i) get_headers.locator.push_back(RandomHash(rng));
  const primitives::Block genesis = GenesisBlock();
  Headers headers;
  for (size_t i = 0; i < n; ++i) {
    primitives::BlockHeader header = genesis.header;
    header.nonce = uint32_t(rng());
    headers.headers.push_back(header);
  }
  util::Bytes unknown_payload(rng() % 40);
  for (auto& b : unknown_payload) b = std::byte(rng());
  return {
      version,
      Verack{},
      Ping{rng()},
      Pong{rng()},
      addr,
      GetAddr{},
      Inv{items},
      GetData{items},
      NotFound{items},
      get_headers,
      GetBlocks{1, get_headers.locator, {}},
      headers,
      BlockMessage{genesis},
      TxMessage{WitnessTransaction(rng)},
      Reject{"tx", 0x10, "bad-txns-inputs-spent", RandomHash(rng)},
      SendHeaders{},
      FeeFilter{int64_t(rng() % 100'000)},
      MemPool{},
      WtxidRelay{},
      SendAddrV2{},
      AddrV2{{{1'700'000'000, 1033, 1, {std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}}, 8333},
              {1'700'000'001, 1, 4, util::Bytes(32, std::byte{7}), 9050},
              {1'700'000'002, 0, 42, util::Bytes(3, std::byte{9}), 1}}},
      SendCmpct{rng() % 2 == 0, 2},
      CmpctBlock{genesis.header, rng(), {rng() & 0xffffffffffff, 0x0000'0102'0304'0506},
                 {{0, genesis.transactions[0]}, {3, WitnessTransaction(rng)}}},
      GetBlockTxn{RandomHash(rng), {1, 2, 7, 65535}},
      BlockTxn{RandomHash(rng), {WitnessTransaction(rng), genesis.transactions[0]}},
      Unknown{"sendtxrcncl", unknown_payload},
  };
}

}  // namespace parthenon::p2p::wire::test
