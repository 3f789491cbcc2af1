// Network manager benchmarks, each next to a raw-TCP baseline measured in the same program:
//   BM_NodeMessages/<payload>  messages/s from node A to node B over loopback (windowed so the
//                              send queue never overflows), vs BM_RawTcpMessages/<payload>: one
//                              send() per frame of the same size, receiver reading 64 KiB chunks.
//   BM_NodeRoundTrip           request/echo round trip through two nodes (median in counters),
//                              vs BM_RawTcpRoundTrip: blocking 32-byte ping-pong on raw sockets.
// Memory per idle peer is measured on a running daemon by bench/idle_peer_memory.py (never in
// a process that already ran other benchmarks: their freed memory would absorb the peers').
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "net_bench_options.h"
#include "p2p/network_manager.h"
#include "p2p/wire/frame.h"

namespace {

using namespace parthenon;
using namespace parthenon::p2p;
using namespace std::chrono_literals;

const wire::Magic kMagic = wire::kRegtestMagic;

NetworkManager::Options BenchOptions(const std::string& ip) { return bench::UnthrottledOptions(ip); }

void WaitFor(const std::function<bool()>& predicate) {
  while (!predicate()) std::this_thread::sleep_for(1ms);
}

// A payload of `size` bytes that reaches OnMessage: feefilter (8 bytes) or inv (1 + 36 n).
wire::Message MessageOfSize(size_t inv_items) {
  if (inv_items == 0) return wire::FeeFilter{1000};
  wire::Inv inv;
  inv.items.resize(inv_items, wire::InvItem{wire::InvType::kTx, {}});
  return inv;
}

// ---- node to node ----

void BM_NodeMessages(benchmark::State& state) {
  const auto message = MessageOfSize(static_cast<size_t>(state.range(0)));
  std::atomic<uint64_t> received{0};
  NetworkManager a(BenchOptions("127.0.50.1"));
  NetworkManager b(BenchOptions("127.0.50.2"));
  b.SetOnMessage([&](PeerId, const wire::Message&) { received.fetch_add(1); });
  if (!a.Start() || !b.Start() || !b.AddPeer("127.0.50.1", a.ListenPorts()[0])) {
    state.SkipWithError("start");
    return;
  }
  WaitFor([&] { return !a.GetPeers().empty() && a.GetPeers()[0].state == PeerState::kConnected; });
  const PeerId to_b = a.GetPeers()[0].id;
  constexpr uint64_t kBatch = 20'000;
  constexpr uint64_t kWindow = 100'000;  // in flight at most
  uint64_t sent = 0;
  for (auto _ : state) {
    for (uint64_t i = 0; i < kBatch; ++i) {
      while (sent - received.load(std::memory_order_relaxed) >= kWindow) {
        std::this_thread::sleep_for(100us);  // do not steal the receiver's core
      }
      if (!a.Send(to_b, message)) {
        state.SkipWithError("send failed");
        return;
      }
      ++sent;
    }
  }
  WaitFor([&] { return received.load() == sent; });
  state.SetItemsProcessed(static_cast<int64_t>(sent));
  state.counters["frame_bytes"] = static_cast<double>(wire::EncodeFrame(kMagic, message).size());
}
BENCHMARK(BM_NodeMessages)->Arg(0)->Arg(1)->Arg(10)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_NodeRoundTrip(benchmark::State& state) {
  NetworkManager a(BenchOptions("127.0.51.1"));
  NetworkManager b(BenchOptions("127.0.51.2"));
  std::mutex mutex;
  std::condition_variable cv;
  uint64_t echoes = 0;
  b.SetOnMessage([&](PeerId from, const wire::Message& m) { (void)b.Send(from, m); });
  a.SetOnMessage([&](PeerId, const wire::Message&) {
    std::lock_guard lock(mutex);
    ++echoes;
    cv.notify_one();
  });
  if (!a.Start() || !b.Start() || !b.AddPeer("127.0.51.1", a.ListenPorts()[0])) {
    state.SkipWithError("start");
    return;
  }
  WaitFor([&] {
    return !a.GetPeers().empty() && a.GetPeers()[0].state == PeerState::kConnected &&
           !b.GetPeers().empty() && b.GetPeers()[0].state == PeerState::kConnected;
  });
  const PeerId to_b = a.GetPeers()[0].id;
  std::vector<double> samples;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    std::unique_lock lock(mutex);
    const uint64_t want = echoes + 1;
    (void)a.Send(to_b, wire::FeeFilter{1});
    cv.wait(lock, [&] { return echoes >= want; });
    samples.push_back(std::chrono::duration<double, std::micro>(
                          std::chrono::steady_clock::now() - start).count());
  }
  std::sort(samples.begin(), samples.end());
  state.counters["median_us"] = samples[samples.size() / 2];
}
BENCHMARK(BM_NodeRoundTrip)->Iterations(5000)->UseRealTime()->Unit(benchmark::kMicrosecond);

// ---- raw TCP baselines ----

struct SocketPair {
  int client = -1;
  int server = -1;
  SocketPair() {
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    ::inet_pton(AF_INET, "127.0.52.1", &address.sin_addr);
    socklen_t length = sizeof address;
    ::bind(listener, reinterpret_cast<sockaddr*>(&address), length);
    ::listen(listener, 1);
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
    client = ::socket(AF_INET, SOCK_STREAM, 0);
    ::connect(client, reinterpret_cast<sockaddr*>(&address), length);
    server = ::accept(listener, nullptr, nullptr);
    ::close(listener);
    int one = 1;
    ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~SocketPair() {
    ::close(client);
    ::close(server);
  }
};

bool SendAll(int fd, const std::byte* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

void BM_RawTcpMessages(benchmark::State& state) {
  const auto frame = wire::EncodeFrame(kMagic, MessageOfSize(static_cast<size_t>(state.range(0))));
  SocketPair pair;
  std::atomic<uint64_t> received_bytes{0};
  std::thread receiver([&] {
    std::vector<std::byte> buffer(64 * 1024);
    for (;;) {
      const ssize_t n = ::recv(pair.server, buffer.data(), buffer.size(), 0);
      if (n <= 0) return;
      received_bytes.fetch_add(static_cast<uint64_t>(n));
    }
  });
  uint64_t sent = 0;
  for (auto _ : state) {
    for (int i = 0; i < 20'000; ++i) {
      if (!SendAll(pair.client, frame.data(), frame.size())) break;  // one send() per message
      ++sent;
    }
  }
  WaitFor([&] { return received_bytes.load() == sent * frame.size(); });
  ::shutdown(pair.client, SHUT_WR);
  receiver.join();
  state.SetItemsProcessed(static_cast<int64_t>(sent));
  state.counters["frame_bytes"] = static_cast<double>(frame.size());
}
BENCHMARK(BM_RawTcpMessages)->Arg(0)->Arg(1)->Arg(10)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_RawTcpRoundTrip(benchmark::State& state) {
  SocketPair pair;
  std::thread echo([&] {
    std::byte buffer[32];
    for (;;) {
      size_t got = 0;
      while (got < sizeof buffer) {
        const ssize_t n = ::recv(pair.server, buffer + got, sizeof buffer - got, 0);
        if (n <= 0) return;
        got += static_cast<size_t>(n);
      }
      if (!SendAll(pair.server, buffer, sizeof buffer)) return;
    }
  });
  std::vector<double> samples;
  std::byte message[32] = {};
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    SendAll(pair.client, message, sizeof message);
    size_t got = 0;
    while (got < sizeof message) {
      got += static_cast<size_t>(::recv(pair.client, message + got, sizeof message - got, 0));
    }
    samples.push_back(std::chrono::duration<double, std::micro>(
                          std::chrono::steady_clock::now() - start).count());
  }
  ::shutdown(pair.client, SHUT_WR);
  echo.join();
  std::sort(samples.begin(), samples.end());
  state.counters["median_us"] = samples[samples.size() / 2];
}
BENCHMARK(BM_RawTcpRoundTrip)->Iterations(5000)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
