// Test support for multi-node networking tests: a NetworkManager with recorded callbacks, and a
// raw-socket peer that writes hand-made frames. Each node gets its own loopback address
// (127.0.0.x) so per-IP rules behave as between hosts. Thread-safe where stated.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "p2p/network_manager.h"
#include "p2p/wire/frame.h"

namespace parthenon::p2p::test {

using namespace std::chrono_literals;

inline const wire::Magic kMagic = wire::kRegtestMagic;

// Polls `predicate` until true or `timeout`.
inline bool WaitUntil(const std::function<bool()>& predicate,
                      std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return predicate();
}

inline NetworkManager::Options TestOptions(const std::string& ip) {
  NetworkManager::Options options;
  options.magic = kMagic;
  options.port = 0;
  options.bind_addresses = {ip};
  options.outbound_bind_address = ip;
  options.io_threads = 1;
  options.handshake_timeout = 5s;
  options.retry_initial_delay = 50ms;
  options.retry_max_delay = 200ms;
  options.shutdown_grace = 2s;
  return options;
}

// A node and everything its callbacks saw. Thread-safe.
class TestNode {
 public:
  explicit TestNode(NetworkManager::Options options) : ip_(options.bind_addresses.at(0)) {
    manager_ = std::make_unique<NetworkManager>(std::move(options));
    manager_->SetOnPeerConnected([this](const PeerInfo& info) {
      std::lock_guard lock(mutex_);
      connected_.push_back(info);
    });
    manager_->SetOnPeerDisconnected([this](const PeerInfo& info) {
      std::lock_guard lock(mutex_);
      disconnected_.push_back(info);
    });
    manager_->SetOnBlock([this](PeerId id, const primitives::Block&) {
      std::lock_guard lock(mutex_);
      ++blocks_[id];
    });
    manager_->SetOnTransaction([this](PeerId id, const primitives::Transaction&) {
      std::lock_guard lock(mutex_);
      ++transactions_[id];
    });
    manager_->SetOnMessage([this](PeerId id, const wire::Message& message) {
      std::lock_guard lock(mutex_);
      ++messages_[id];
      if (on_message_) on_message_(id, message);
    });
  }
  // The manager calls back into this object until it has stopped.
  ~TestNode() { manager_->Stop(); }
  TestNode(const TestNode&) = delete;
  TestNode& operator=(const TestNode&) = delete;

  // REQUIRES: before Start().
  void OnMessage(NetworkManager::MessageCallback callback) { on_message_ = std::move(callback); }
  void Start() {
    auto started = manager_->Start();
    if (!started) throw std::runtime_error(std::string(ToString(started.error())));
  }

  NetworkManager& net() { return *manager_; }
  const std::string& ip() const { return ip_; }
  uint16_t port() const { return manager_->ListenPorts().at(0); }

  size_t ConnectedPeers() const {
    size_t n = 0;
    for (const auto& peer : manager_->GetPeers()) n += peer.state == PeerState::kConnected;
    return n;
  }
  std::vector<PeerInfo> Disconnected() const {
    std::lock_guard lock(mutex_);
    return disconnected_;
  }
  // The first disconnection with `reason`, waiting for it.
  std::optional<PeerInfo> WaitDisconnect(DisconnectReason reason,
                                         std::chrono::milliseconds timeout = 5s) const {
    std::optional<PeerInfo> found;
    WaitUntil(
        [&] {
          for (const auto& info : Disconnected()) {
            if (info.disconnect_reason == reason) {
              found = info;
              return true;
            }
          }
          return false;
        },
        timeout);
    return found;
  }
  size_t ConnectedCallbacks() const {
    std::lock_guard lock(mutex_);
    return connected_.size();
  }
  std::map<PeerId, int> Blocks() const {
    std::lock_guard lock(mutex_);
    return blocks_;
  }
  std::map<PeerId, int> Transactions() const {
    std::lock_guard lock(mutex_);
    return transactions_;
  }
  int Messages() const {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& [id, count] : messages_) n += count;
    return n;
  }

 private:
  std::string ip_;
  std::unique_ptr<NetworkManager> manager_;
  NetworkManager::MessageCallback on_message_;
  mutable std::mutex mutex_;
  std::vector<PeerInfo> connected_;
  std::vector<PeerInfo> disconnected_;
  std::map<PeerId, int> blocks_;
  std::map<PeerId, int> transactions_;
  std::map<PeerId, int> messages_;
};

// A blocking TCP client writing hand-made frames. Thread-compatible.
class RawPeer {
 public:
  // Connects from `source_ip` to 127.0.0.x:port of `target_ip`.
  RawPeer(const std::string& source_ip, const std::string& target_ip, uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in source{};
    source.sin_family = AF_INET;
    ::inet_pton(AF_INET, source_ip.c_str(), &source.sin_addr);
    (void)::bind(fd_, reinterpret_cast<sockaddr*>(&source), sizeof source);
    sockaddr_in target{};
    target.sin_family = AF_INET;
    target.sin_port = htons(port);
    ::inet_pton(AF_INET, target_ip.c_str(), &target.sin_addr);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&target), sizeof target) == 0;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  // Adopts a connected socket (e.g. one accepted from the node's outbound dial).
  explicit RawPeer(int fd) : fd_(fd), connected_(fd >= 0) {
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~RawPeer() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawPeer(const RawPeer&) = delete;
  RawPeer& operator=(const RawPeer&) = delete;

  bool connected() const { return connected_; }
  int fd() const { return fd_; }

  // Shrinks the receive buffer (for the non-reading peer).
  void SetReceiveBuffer(int bytes) {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  }

  bool SendBytes(util::ByteSpan bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }
  bool Send(const wire::Message& message, const wire::Magic& magic = kMagic) {
    return SendBytes(wire::EncodeFrame(magic, message));
  }

  // The next message, or nullopt on timeout/close/error.
  std::optional<wire::Message> Read(std::chrono::milliseconds timeout = 3s) {
    auto frame = ReadFrame(timeout);
    if (!frame) return std::nullopt;
    auto message = wire::DecodeMessage(frame->command, frame->payload);
    if (!message) return std::nullopt;
    return *message;
  }

  // The next frame as it came (command and payload bytes), or nullopt on timeout/close/error.
  std::optional<wire::Frame> ReadFrame(std::chrono::milliseconds timeout = 3s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto next = decoder_.Next();
      if (!next) return std::nullopt;
      if (*next) return std::move(**next);
      if (!pending_.empty()) {
        const size_t used = decoder_.Feed(pending_);
        pending_.erase(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(used));
        continue;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) return std::nullopt;
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      std::byte buffer[4096];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return std::nullopt;
      pending_.insert(pending_.end(), buffer, buffer + n);
    }
  }

  // Reads until a message of type T arrives (skipping others).
  template <class T>
  std::optional<T> ReadUntil(std::chrono::milliseconds timeout = 3s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto message = Read(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
      if (!message) return std::nullopt;
      if (auto* value = std::get_if<T>(&*message)) return *value;
    }
    return std::nullopt;
  }

  // True once the node closed the connection (EOF or reset), reading and discarding data.
  bool WaitClosed(std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 20) <= 0) continue;
      std::byte buffer[4096];
      if (::recv(fd_, buffer, sizeof buffer, 0) <= 0) return true;
    }
    return false;
  }

  static wire::Version MakeVersion(uint64_t nonce, int32_t version = wire::kProtocolVersion) {
    wire::Version v;
    v.version = version;
    v.services = wire::kNodeNetwork;
    v.nonce = nonce;
    v.user_agent = "/raw-peer/";
    return v;
  }

  // VERSION/VERACK as the inbound side expects; true when the node's VERACK arrived.
  bool Handshake(uint64_t nonce = 0x1234) {
    if (!Send(MakeVersion(nonce))) return false;
    if (!ReadUntil<wire::Verack>()) return false;
    return Send(wire::Verack{});
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  wire::FrameDecoder decoder_{kMagic};
  std::vector<std::byte> pending_;
};

}  // namespace parthenon::p2p::test
