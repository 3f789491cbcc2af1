// TLS transport benchmarks (docs/tls.md), each with its baseline in the same run:
//   BM_BlockTransfer/0  ~1 MB blocks from node A to node B over plaintext TCP (loopback)
//   BM_BlockTransfer/1  the same over TLS 1.3 (AES-256-GCM); compare bytes_per_second
//                       (the TLS target: ≥ 70% of the plaintext rate) and with
//                       `openssl speed -elapsed -seconds 2 -bytes 16384 -evp aes-256-gcm`.
//   BM_TlsHandshakes    full TLS 1.3 handshakes per second accepted by one node (a blocking
//                       OpenSSL client connects, handshakes, closes; both ends on this machine).
#include <benchmark/benchmark.h>
#include <openssl/ssl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <thread>

#include "net_bench_options.h"
#include "p2p/network_manager.h"
#include "p2p/transport/certificate.h"
#include "p2p/wire/frame.h"
#include "p2p/wire/test_messages.h"

namespace {

using namespace parthenon;
using namespace parthenon::p2p;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

const wire::Magic kMagic = wire::kRegtestMagic;

// A certificate for the benchmark nodes, generated once per process.
const transport::Identity& BenchIdentity() {
  static const transport::Identity identity = [] {
    const auto dir = fs::temp_directory_path() / ("parthenon_bench_tls_" + std::to_string(getpid()));
    auto made = transport::EnsureIdentity(dir);
    if (!made) throw std::runtime_error(made.error().ToString());
    return *made;
  }();
  return identity;
}

NetworkManager::Options BenchOptions(const std::string& ip, bool tls) {
  NetworkManager::Options options = bench::UnthrottledOptions(ip);
  if (tls) {
    options.tls.mode = transport::TlsMode::kRequired;
    options.tls.cert_file = BenchIdentity().cert_path;
    options.tls.key_file = BenchIdentity().key_path;
  }
  return options;
}

void WaitFor(const std::function<bool()>& predicate) {
  while (!predicate()) std::this_thread::sleep_for(1ms);
}

primitives::Block BigBlock() {
  std::mt19937_64 rng(1);
  primitives::Block block = wire::test::GenesisBlock();
  while (block.transactions.size() < 7000) {
    block.transactions.push_back(wire::test::WitnessTransaction(rng));
  }
  return block;
}

void BM_BlockTransfer(benchmark::State& state) {
  const bool tls = state.range(0) != 0;
  const wire::Message block = wire::BlockMessage{BigBlock()};
  const size_t frame_bytes = wire::EncodeFrame(kMagic, block).size();
  std::atomic<uint64_t> received{0};
  NetworkManager a(BenchOptions("127.0.60.1", tls));
  NetworkManager b(BenchOptions("127.0.60.2", tls));
  b.SetOnBlock([&](PeerId, const primitives::Block&) { received.fetch_add(1); });
  if (!a.Start() || !b.Start() || !b.AddPeer("127.0.60.1", a.ListenPorts()[0])) {
    state.SkipWithError("start");
    return;
  }
  WaitFor([&] { return !a.GetPeers().empty() && a.GetPeers()[0].state == PeerState::kConnected; });
  const PeerId to_b = a.GetPeers()[0].id;
  if (a.GetPeers()[0].encrypted != tls) {
    state.SkipWithError("unexpected transport");
    return;
  }
  constexpr uint64_t kBatch = 20;
  constexpr uint64_t kWindow = 8;
  uint64_t sent = 0;
  for (auto _ : state) {
    for (uint64_t i = 0; i < kBatch; ++i) {
      while (sent - received.load(std::memory_order_relaxed) >= kWindow) {
        std::this_thread::sleep_for(100us);
      }
      if (!a.Send(to_b, block)) {
        state.SkipWithError("send failed");
        return;
      }
      ++sent;
    }
  }
  WaitFor([&] { return received.load() == sent; });
  state.SetItemsProcessed(static_cast<int64_t>(sent));
  state.SetBytesProcessed(static_cast<int64_t>(sent * frame_bytes));
  state.counters["frame_bytes"] = static_cast<double>(frame_bytes);
  state.SetLabel(tls ? "tls " + a.GetPeers()[0].tls_cipher : "plaintext");
}
BENCHMARK(BM_BlockTransfer)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_TlsHandshakes(benchmark::State& state) {
  NetworkManager node(BenchOptions("127.0.61.1", true));
  if (!node.Start()) {
    state.SkipWithError("start");
    return;
  }
  const uint16_t port = node.ListenPorts()[0];
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.61.1", &target.sin_addr);
  int64_t done = 0;
  for (auto _ : state) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) {
      ::close(fd);
      state.SkipWithError("connect");
      break;
    }
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    const bool ok = SSL_connect(ssl) == 1;
    SSL_free(ssl);
    ::close(fd);
    if (!ok) {
      state.SkipWithError("handshake");
      break;
    }
    ++done;
  }
  SSL_CTX_free(ctx);
  state.SetItemsProcessed(done);
}
BENCHMARK(BM_TlsHandshakes)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
