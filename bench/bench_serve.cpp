// Serving stored blocks (issue 15, docs/performance.md "Zero-copy serving"), each number beside
// the hardware limit it is quoted against, measured in the same run:
//   BM_LoopbackTcpBulk        1 MiB send()s over loopback TCP to a reader thread (the TCP limit)
//   BM_Sha256d/1048576        SHA256d of 1 MiB (the hashing limit)
//   BM_RawTlsBulk             TLS 1.3 AES-256-GCM bulk, 16 KiB SSL_write()s (the TLS limit)
//   BM_ServeStored/<path>/<tls>  ~1.13 MB blocks stored in a block file, each checked against
//       its stored checksum and served to one raw-socket peer over loopback (the work
//       ChainSync::ServeBlock does). path 0: sendfile(2), records already verified (served
//       before: only header and prefix are read); 1: the copy fallback (zero_copy_send off);
//       2: main's path before issue 15 (read the record into memory, hash it, copy it into a
//       frame); 3: sendfile with every payload hashed (a block's first serve).
//       tls 1: over TLS 1.3 (the payload is then always read once into the TLS write).
//   BM_ReceiveBlock           frame decode (hashed as it arrives) + block decode + storing the
//                             received bytes with their checksum, of one ~1.13 MB block frame
// Counters: cpu_ms_per_MB is the process CPU time (getrusage) per MB served, without the reading
// peer's thread (it measures its own); bytes_per_second as usual.
#include <benchmark/benchmark.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/errqueue.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <random>
#include <thread>

#include "crypto/sha256.h"
#include "net_bench_options.h"
#include "p2p/network_manager.h"
#include "p2p/transport/certificate.h"
#include "p2p/wire/frame.h"
#include "p2p/wire/test_messages.h"
#include "storage/flat_file_store.h"

namespace {

using namespace parthenon;
using namespace parthenon::p2p;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

const wire::Magic kMagic = wire::kRegtestMagic;
constexpr size_t kChunk = 256 * 1024;

double CpuSeconds(int who) {
  rusage usage{};
  ::getrusage(who, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

fs::path BenchDir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("parthenon_bench_serve_" + std::to_string(getpid())) / name;
  fs::create_directories(dir);
  return dir;
}

const transport::Identity& BenchIdentity() {
  static const transport::Identity identity = [] {
    auto made = transport::EnsureIdentity(BenchDir("tls"));
    if (!made) throw std::runtime_error(made.error().ToString());
    return *made;
  }();
  return identity;
}

const primitives::Block& BigBlock() {
  static const primitives::Block block = [] {
    std::mt19937_64 rng(1);
    primitives::Block b = wire::test::GenesisBlock();
    while (b.transactions.size() < 7000) b.transactions.push_back(wire::test::WitnessTransaction(rng));
    return b;
  }();
  return block;
}

// A connected loopback TCP pair (client, server side).
std::pair<int, int> TcpPair() {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::listen(listener, 1);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  const int client = ::socket(AF_INET, SOCK_STREAM, 0);
  ::connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address);
  const int server = ::accept(listener, nullptr, nullptr);
  ::close(listener);
  return {client, server};
}

int Connect(const std::string& ip, uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(port);
  ::inet_pton(AF_INET, ip.c_str(), &target.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) {
    ::close(fd);
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// The reading side: a plaintext or TLS connection, read in a thread that counts bytes and its
// own CPU time.
class Reader {
 public:
  Reader(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  ~Reader() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    if (ssl_) SSL_free(ssl_);
    ::close(fd_);
  }
  long Read(void* buffer, size_t size) {
    return ssl_ ? SSL_read(ssl_, buffer, static_cast<int>(size)) : ::recv(fd_, buffer, size, 0);
  }
  bool Write(util::ByteSpan bytes) {
    const long n = ssl_ ? SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()))
                        : ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    return n == static_cast<long>(bytes.size());
  }
  // VERSION / VERACK with the node (inbound side expects our VERSION first).
  bool Handshake() {
    wire::Version version;
    version.version = wire::kProtocolVersion;
    version.services = wire::kNodeNetwork | wire::kNodeWitness;
    version.nonce = 0xbe;
    version.user_agent = "/bench-serve/";
    if (!Write(wire::EncodeFrame(kMagic, version))) return false;
    wire::FrameDecoder decoder(kMagic);
    std::vector<std::byte> buffer(4096);
    for (;;) {
      const long n = Read(buffer.data(), buffer.size());
      if (n <= 0) return false;
      util::ByteSpan data(buffer.data(), static_cast<size_t>(n));
      while (!data.empty()) {
        data = data.subspan(decoder.Feed(data));
        auto next = decoder.Next();
        if (!next) return false;
        if (*next && (**next).command == "verack") return Write(wire::EncodeFrame(kMagic, wire::Verack{}));
      }
    }
  }
  void StartCounting() {
    thread_ = std::thread([this] {
      const double start = CpuSeconds(RUSAGE_THREAD);
      std::vector<std::byte> buffer(kChunk);
      while (!stop_) {
        const long n = Read(buffer.data(), buffer.size());
        if (n <= 0) break;
        received_.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
        cpu_.store(CpuSeconds(RUSAGE_THREAD) - start, std::memory_order_relaxed);
      }
    });
  }
  uint64_t received() const { return received_.load(std::memory_order_relaxed); }
  double cpu() const { return cpu_.load(std::memory_order_relaxed); }

 private:
  const int fd_;
  SSL* const ssl_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> received_{0};
  std::atomic<double> cpu_{0};
};

SSL_CTX* ClientContext() {
  static SSL_CTX* ctx = [] {
    SSL_CTX* c = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION);
    SSL_CTX_set_ciphersuites(c, "TLS_AES_256_GCM_SHA384");
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
    return c;
  }();
  return ctx;
}

// ---- limits ----

void BM_LoopbackTcpBulk(benchmark::State& state) {
  auto [client, server] = TcpPair();
  Reader reader(client, nullptr);
  reader.StartCounting();
  const std::vector<std::byte> data(1 << 20, std::byte{0x5a});
  const double cpu_start = CpuSeconds(RUSAGE_SELF);
  uint64_t sent = 0;
  for (auto _ : state) {
    for (size_t done = 0; done < data.size();) {
      const ssize_t n = ::send(server, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0) {
        state.SkipWithError("send");
        return;
      }
      done += static_cast<size_t>(n);
    }
    sent += data.size();
  }
  while (reader.received() < sent) std::this_thread::sleep_for(100us);
  const double cpu = CpuSeconds(RUSAGE_SELF) - cpu_start - reader.cpu();
  ::close(server);
  state.SetBytesProcessed(static_cast<int64_t>(sent));
  state.counters["cpu_ms_per_MB"] = cpu * 1e3 / (static_cast<double>(sent) / 1e6);
}
BENCHMARK(BM_LoopbackTcpBulk)->UseRealTime()->Unit(benchmark::kMillisecond);

// Loopback send() of `size`-byte buffers, plain (arg 1 = 0) or with MSG_ZEROCOPY (arg 1 = 1):
// the kernel pins the pages instead of copying them and reports on the socket's error queue when
// it is done with each send; a buffer is reused only after its completion arrived. The counter
// copied_fraction says how many completions came back SO_EE_CODE_ZEROCOPY_COPIED (loopback
// delivery copies anyway). This is the measurement that decides the MSG_ZEROCOPY threshold.
uint32_t ReapZerocopyCompletions(int fd, bool wait, uint64_t& copied) {
  uint32_t done = 0;
  for (;;) {
    char control[128];
    msghdr msg{};
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    if (::recvmsg(fd, &msg, MSG_ERRQUEUE | (wait && done == 0 ? 0 : MSG_DONTWAIT)) < 0) {
      if (errno == EAGAIN && wait && done == 0) {
        pollfd pfd{fd, 0, 0};  // POLLERR is always reported
        ::poll(&pfd, 1, 100);
        continue;
      }
      return done;
    }
    for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm != nullptr; cm = CMSG_NXTHDR(&msg, cm)) {
      const auto* err = reinterpret_cast<const sock_extended_err*>(CMSG_DATA(cm));
      if (err->ee_origin != SO_EE_ORIGIN_ZEROCOPY) continue;
      const uint32_t n = err->ee_data - err->ee_info + 1;  // a range of send calls
      done += n;
      if (err->ee_code & SO_EE_CODE_ZEROCOPY_COPIED) copied += n;
    }
  }
}

void BM_LoopbackSend(benchmark::State& state) {
  const auto size = static_cast<size_t>(state.range(0));
  const bool zerocopy = state.range(1) != 0;
  auto [client, server] = TcpPair();
  const int one = 1;
  if (zerocopy && ::setsockopt(server, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof one) != 0) {
    state.SkipWithError("SO_ZEROCOPY refused");
    return;
  }
  Reader reader(client, nullptr);
  reader.StartCounting();
  const std::vector<std::byte> data(size, std::byte{0x5a});
  uint64_t sent = 0, calls = 0, completed = 0, copied = 0;
  for (auto _ : state) {
    for (size_t done = 0; done < size;) {
      const ssize_t n = ::send(server, data.data() + done, size - done,
                               MSG_NOSIGNAL | (zerocopy ? MSG_ZEROCOPY : 0));
      if (n <= 0) {
        state.SkipWithError("send");
        return;
      }
      done += static_cast<size_t>(n);
      ++calls;
    }
    sent += size;
    // The buffer is rewritten only once the kernel released it (here: every send completed).
    while (zerocopy && completed < calls) completed += ReapZerocopyCompletions(server, true, copied);
  }
  while (reader.received() < sent) std::this_thread::sleep_for(100us);
  ::close(server);
  state.SetBytesProcessed(static_cast<int64_t>(sent));
  if (zerocopy) state.counters["copied_fraction"] = calls ? static_cast<double>(copied) / static_cast<double>(calls) : 0;
}
BENCHMARK(BM_LoopbackSend)
    ->ArgsProduct({{16 << 10, 64 << 10, 1 << 20}, {0, 1}})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

void BM_Sha256d(benchmark::State& state) {
  const std::vector<std::byte> data(static_cast<size_t>(state.range(0)), std::byte{0x33});
  for (auto _ : state) benchmark::DoNotOptimize(crypto::Sha256d(data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Sha256d)->Arg(1 << 20)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_RawTlsBulk(benchmark::State& state) {
  ::signal(SIGPIPE, SIG_IGN);  // a failed write is reported, not fatal
  auto [client, server] = TcpPair();
  SSL_CTX* server_ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_set_min_proto_version(server_ctx, TLS1_3_VERSION);
  SSL_CTX_use_certificate_file(server_ctx, BenchIdentity().cert_path.c_str(), SSL_FILETYPE_PEM);
  SSL_CTX_use_PrivateKey_file(server_ctx, BenchIdentity().key_path.c_str(), SSL_FILETYPE_PEM);
  SSL* server_ssl = SSL_new(server_ctx);
  SSL_set_fd(server_ssl, server);
  SSL* client_ssl = SSL_new(ClientContext());
  SSL_set_fd(client_ssl, client);
  std::thread accept([&] { SSL_accept(server_ssl); });
  const bool connected = SSL_connect(client_ssl) == 1;
  accept.join();
  if (!connected) {
    state.SkipWithError("tls handshake");
    return;
  }
  Reader reader(client, client_ssl);
  reader.StartCounting();
  const std::vector<std::byte> data(16 * 1024, std::byte{0x5a});
  const double cpu_start = CpuSeconds(RUSAGE_SELF);
  uint64_t sent = 0;
  for (auto _ : state) {
    for (int i = 0; i < 64; ++i) {  // 1 MiB per iteration
      if (SSL_write(server_ssl, data.data(), static_cast<int>(data.size())) <= 0) {
        ERR_print_errors_fp(stderr);
        state.SkipWithError("SSL_write");
        return;
      }
    }
    sent += 64 * data.size();
  }
  while (reader.received() < sent) std::this_thread::sleep_for(100us);
  const double cpu = CpuSeconds(RUSAGE_SELF) - cpu_start - reader.cpu();
  SSL_free(server_ssl);
  ::close(server);
  SSL_CTX_free(server_ctx);
  state.SetBytesProcessed(static_cast<int64_t>(sent));
  state.counters["cpu_ms_per_MB"] = cpu * 1e3 / (static_cast<double>(sent) / 1e6);
}
BENCHMARK(BM_RawTlsBulk)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---- serving ----

// kBlocks copies of the big block in one block file (all in the page cache once written).
struct Store {
  static constexpr size_t kBlocks = 16;
  Store() {
    const auto dir = BenchDir("blocks");
    fs::remove_all(dir);
    store = storage::FlatFileStore::Open({.dir = dir, .prefix = "blk", .magic = kMagic,
                                          .max_file_size = 1ull << 30, .min_free_bytes = 0})
                .value();
    payload = primitives::Serialize(BigBlock());
    for (size_t i = 0; i < kBlocks; ++i) positions.push_back(store->Append(payload).value());
    (void)store->Sync();
  }
  std::unique_ptr<storage::FlatFileStore> store;
  util::Bytes payload;
  std::vector<storage::FilePos> positions;
};

const Store& TheStore() {
  static const Store store;
  return store;
}

enum class ServePath { kSendfile = 0, kCopy = 1, kBefore = 2, kSendfileFirstServe = 3 };

// One block as ChainSync::ServeBlock hands it over (checked first: record checksum, header hash).
bool ServeOne(NetworkManager& node, PeerId peer, const storage::FilePos& pos, ServePath path) {
  const auto& store = *TheStore().store;
  const auto command = wire::Command::kBlockMessage;
  if (path == ServePath::kBefore) {  // main before issue 15: the record into memory, then a frame copy
    auto record = store.ReadRecord(pos);
    if (!record) return false;
    const util::ByteSpan payload = util::ByteSpan(*record).subspan(storage::kRecordHeaderSize);
    if (crypto::Sha256d(payload.first(primitives::BlockHeader::kSize)).IsNull()) return false;
    std::array<std::byte, wire::kChecksumSize> checksum;
    std::copy_n(record->begin() + storage::kRecordChecksumOffset, checksum.size(), checksum.begin());
    return node.SendFrame(peer, command, wire::EncodeFrame(kMagic, "block", payload, checksum)).has_value();
  }
  if (path == ServePath::kSendfileFirstServe) {
    // Touch the file: its records count as unverified again, so this serve hashes the payload
    // as a block's first serve does (a peer syncing from us fetches each block once).
    const int fd = ::open(store.FilePath(pos.file).c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::futimens(fd, nullptr) != 0) return false;
    ::close(fd);
  }
  auto segment = store.VerifiedSegment(pos, primitives::BlockHeader::kSize);
  if (!segment || crypto::Sha256d(segment->prefix).IsNull()) return false;
  const auto header = wire::EncodeFrameHeader(kMagic, "block", segment->size, segment->checksum);
  return node.SendStoredPayload(peer, command, header, {segment->file, segment->offset, segment->size})
      .has_value();
}

void BM_ServeStored(benchmark::State& state) {
  const auto path = static_cast<ServePath>(state.range(0));
  const bool tls = state.range(1) != 0;
  const Store& store = TheStore();
  auto options = bench::UnthrottledOptions("127.0.62.1");
  options.zero_copy_send = path == ServePath::kSendfile || path == ServePath::kSendfileFirstServe;
  if (tls) {
    options.tls.mode = transport::TlsMode::kRequired;
    options.tls.cert_file = BenchIdentity().cert_path;
    options.tls.key_file = BenchIdentity().key_path;
  }
  NetworkManager node(options);
  if (!node.Start()) {
    state.SkipWithError("start");
    return;
  }
  const int fd = Connect("127.0.62.1", node.ListenPorts()[0]);
  SSL* ssl = nullptr;
  if (tls) {
    ssl = SSL_new(ClientContext());
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) != 1) {
      state.SkipWithError("tls handshake");
      return;
    }
  }
  Reader reader(fd, ssl);
  if (!reader.Handshake()) {
    state.SkipWithError("handshake");
    return;
  }
  std::optional<PeerId> peer;
  while (!peer) {
    for (const auto& info : node.GetPeers()) {
      if (info.state == PeerState::kConnected) peer = info.id;
    }
    std::this_thread::sleep_for(1ms);
  }
  reader.StartCounting();
  const uint64_t frame_bytes = wire::kFrameHeaderSize + store.payload.size();
  const uint64_t start = reader.received();
  constexpr uint64_t kWindow = 4;  // blocks in flight (ChainSync serves while the queue < 1 MB)
  constexpr uint64_t kBatch = 20;
  const double cpu_start = CpuSeconds(RUSAGE_SELF);
  uint64_t sent = 0;
  for (auto _ : state) {
    for (uint64_t i = 0; i < kBatch; ++i) {
      while (start + (sent - std::min(sent, kWindow)) * frame_bytes > reader.received()) {
        std::this_thread::sleep_for(50us);
      }
      if (!ServeOne(node, *peer, store.positions[sent % store.positions.size()], path)) {
        state.SkipWithError("serve");
        return;
      }
      ++sent;
    }
  }
  while (reader.received() < start + sent * frame_bytes) std::this_thread::sleep_for(100us);
  const double cpu = CpuSeconds(RUSAGE_SELF) - cpu_start - reader.cpu();
  node.Stop();
  state.SetBytesProcessed(static_cast<int64_t>(sent * frame_bytes));
  state.counters["cpu_ms_per_MB"] = cpu * 1e3 / (static_cast<double>(sent * frame_bytes) / 1e6);
  static const char* kNames[] = {"sendfile (verified before)", "copy (verified before)",
                                 "before (read+hash+frame copy)", "sendfile, hashed (first serve)"};
  state.SetLabel(std::string(tls ? "tls " : "plaintext ") + kNames[state.range(0)]);
}
BENCHMARK(BM_ServeStored)
    ->ArgsProduct({{0, 1, 2, 3}, {0, 1}})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
// A fixed workload (5 × 20 blocks) for `valgrind --tool=callgrind` instruction counts.
BENCHMARK(BM_ServeStored)
    ->Name("BM_ServeStoredFixed")
    ->ArgsProduct({{0, 2, 3}, {0}})
    ->Iterations(5)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// ---- receiving ----

void BM_ReceiveBlock(benchmark::State& state) {
  const util::Bytes frame = wire::EncodeFrame(kMagic, wire::BlockMessage{BigBlock()});
  const auto dir = BenchDir("receive");
  auto open = [&] {
    fs::remove_all(dir);
    return storage::FlatFileStore::Open({.dir = dir, .prefix = "blk", .magic = kMagic,
                                         .max_file_size = 1ull << 30, .min_free_bytes = 0})
        .value();
  };
  auto store = open();
  wire::FrameDecoder decoder(kMagic);
  uint64_t stored = 0;
  for (auto _ : state) {
    if (++stored % 64 == 0) {  // keep the disk use small
      state.PauseTiming();
      store.reset();
      store = open();
      state.ResumeTiming();
    }
    util::ByteSpan data(frame);
    std::optional<wire::Frame> got;
    while (!got) {  // in reads of 64 KiB, as a socket delivers them
      const auto chunk = data.first(std::min<size_t>(data.size(), 64 * 1024));
      data = data.subspan(decoder.Feed(chunk));
      auto next = decoder.Next();
      if (!next) {
        state.SkipWithError("decode");
        return;
      }
      if (*next) got = std::move(**next);
    }
    auto message = wire::DecodeMessage(got->command, got->payload);
    if (!message) {
      state.SkipWithError("block");
      return;
    }
    benchmark::DoNotOptimize(message);
    std::array<std::byte, 4> checksum;
    std::copy_n(frame.begin() + wire::kFrameHeaderSize - wire::kChecksumSize, 4, checksum.begin());
    if (!store->Append(got->payload, checksum)) {
      state.SkipWithError("store");
      return;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * frame.size()));
  store.reset();
  fs::remove_all(dir);
}
BENCHMARK(BM_ReceiveBlock)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
