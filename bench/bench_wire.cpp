// Wire-layer throughput: frame decoding with checksum on 1 MiB block messages (compare with
// BM_Sha256d_1MiB, the floor set by the checksum itself), and the encode+decode rate of small
// messages.
#include <benchmark/benchmark.h>

#include <random>

#include "crypto/sha256.h"
#include "p2p/wire/frame.h"
#include "p2p/wire/messages.h"

namespace {

using namespace parthenon;
using namespace parthenon::p2p::wire;

constexpr size_t kReadChunk = 64 * 1024;  // what one socket read typically hands over

// A block message of about 1 MiB: 1000 one-input, one-output transactions of ~1 KiB.
util::Bytes OneMiBBlockFrame() {
  std::mt19937_64 rng(1);
  primitives::Block block;
  block.header.version = 1;
  block.header.bits = 0x207fffff;
  while (primitives::SerializedSize(block) < 1024 * 1024) {
    primitives::Transaction tx;
    primitives::TxIn in;
    for (auto& b : in.prevout.txid.span()) b = std::byte(rng());
    in.prevout.index = 0;
    in.script_sig.assign(900, std::byte(rng()));
    tx.inputs.push_back(in);
    tx.outputs.push_back({1000, util::Bytes(34, std::byte{0x51})});
    block.transactions.push_back(tx);
  }
  return EncodeFrame(kMainMagic, BlockMessage{std::move(block)});
}

void BM_FrameDecode_1MiBBlock(benchmark::State& state) {
  const util::Bytes frame = OneMiBBlockFrame();
  for (auto _ : state) {
    FrameDecoder decoder(kMainMagic);
    util::ByteSpan rest(frame);
    while (!rest.empty()) rest = rest.subspan(decoder.Feed(rest.first(std::min(kReadChunk, rest.size()))));
    auto next = decoder.Next();
    if (!next || !*next) state.SkipWithError("frame did not decode");
    benchmark::DoNotOptimize(next);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * frame.size()));
}
BENCHMARK(BM_FrameDecode_1MiBBlock);

// Frame and full block parse (every transaction materialised), for context.
void BM_FrameAndBlockDecode_1MiBBlock(benchmark::State& state) {
  const util::Bytes frame = OneMiBBlockFrame();
  for (auto _ : state) {
    FrameDecoder decoder(kMainMagic);
    util::ByteSpan rest(frame);
    while (!rest.empty()) rest = rest.subspan(decoder.Feed(rest.first(std::min(kReadChunk, rest.size()))));
    auto next = decoder.Next();
    auto message = DecodeMessage((*next)->command, (*next)->payload);
    if (!message) state.SkipWithError("block did not decode");
    benchmark::DoNotOptimize(message);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * frame.size()));
}
BENCHMARK(BM_FrameAndBlockDecode_1MiBBlock);

void BM_Sha256d_1MiB(benchmark::State& state) {
  const util::Bytes data(1024 * 1024, std::byte{0x5a});
  for (auto _ : state) benchmark::DoNotOptimize(crypto::Sha256d(data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_Sha256d_1MiB);

void EncodeDecode(benchmark::State& state, const Message& message) {
  const std::string_view command = CommandName(message);
  for (auto _ : state) {
    const util::Bytes payload = Encode(message);
    auto decoded = DecodeMessage(command, payload);
    benchmark::DoNotOptimize(decoded);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_EncodeDecode_Ping(benchmark::State& state) { EncodeDecode(state, Ping{0x1234567890abcdef}); }
BENCHMARK(BM_EncodeDecode_Ping);

void BM_EncodeDecode_Inv1(benchmark::State& state) {
  EncodeDecode(state, Inv{{{InvType::kWitnessTx, crypto::Uint256()}}});
}
BENCHMARK(BM_EncodeDecode_Inv1);

// Small messages through the whole frame path: EncodeFrame, FrameDecoder, both checksums.
void BM_FrameRoundTrip_Ping(benchmark::State& state) {
  const Message ping = Ping{42};
  FrameDecoder decoder(kMainMagic);
  for (auto _ : state) {
    const util::Bytes frame = EncodeFrame(kMainMagic, ping);
    decoder.Feed(frame);
    auto next = decoder.Next();
    auto decoded = DecodeMessage((*next)->command, (*next)->payload);
    benchmark::DoNotOptimize(decoded);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FrameRoundTrip_Ping);

}  // namespace
