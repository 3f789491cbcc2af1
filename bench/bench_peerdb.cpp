// Peer database: queries over 100,000 entries and events recorded per second (in memory and
// written through to RocksDB).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "p2p/peerdb/peer_database.h"

namespace {

using parthenon::p2p::PeerDatabase;
using parthenon::p2p::wire::NetAddress;

constexpr int kEntries = 100'000;
const char* const kCountries[] = {"US", "DE", "FR", "JP", "BR", "CN", "GB", "NL", "SG", ""};

NetAddress Nth(int i) {
  return NetAddress::FromIPv4({static_cast<uint8_t>(1 + i % 200), static_cast<uint8_t>(i / 200 % 256),
                               static_cast<uint8_t>(i / 51200), static_cast<uint8_t>(i % 251)},
                              8333);
}

PeerDatabase& Filled() {
  static PeerDatabase* db = [] {
    auto* d = new PeerDatabase(PeerDatabase::Options{.max_entries = 2 * kEntries});
    for (int i = 0; i < kEntries; ++i) {
      const auto address = Nth(i);
      d->AddPeer(address, 1);
      d->UpdateScore(address, (i * 7919 % 101) - 50.0);
      d->SetPeerGeolocation(address, kCountries[i % 10], "", 0, 0, "");
    }
    return d;
  }();
  return *db;
}

void BM_GetGoodPeers100(benchmark::State& state) {
  auto& db = Filled();
  for (auto _ : state) benchmark::DoNotOptimize(db.GetGoodPeers(100));
}
BENCHMARK(BM_GetGoodPeers100)->Unit(benchmark::kMillisecond);

void BM_GetGeographicallyDiversePeers100(benchmark::State& state) {
  auto& db = Filled();
  for (auto _ : state) benchmark::DoNotOptimize(db.GetGeographicallyDiversePeers(100));
}
BENCHMARK(BM_GetGeographicallyDiversePeers100)->Unit(benchmark::kMillisecond);

void BM_RecordEventInMemory(benchmark::State& state) {
  PeerDatabase db;
  int i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(db.RecordTxReceived(Nth(i++ % 1000)));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RecordEventInMemory);

void BM_RecordEventRocksDb(benchmark::State& state) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("bench-peerdb-" + std::to_string(::getpid()));
  {
    PeerDatabase db;
    if (!db.Open(path)) {
      state.SkipWithError("cannot open the database");
      return;
    }
    int i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(db.RecordTxReceived(Nth(i++ % 1000)));
    state.SetItemsProcessed(state.iterations());
  }
  std::filesystem::remove_all(path);
}
BENCHMARK(BM_RecordEventRocksDb);

}  // namespace
