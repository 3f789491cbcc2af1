// PeerStream: the byte stream a session reads and writes — a TCP socket, optionally upgraded to
// TLS (asio::ssl::stream over the same socket) before the first protocol byte. An optional
// observer sees every byte read from the socket as it arrived on the wire (ciphertext on TLS
// links), for diagnostics and tests.
//
// Internal to src/p2p. Confined to the session's strand (like the socket it owns).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <tuple>
#include <vector>

#include "p2p/detail/asio.h"
#include "p2p/transport/tls_context.h"

namespace parthenon::p2p::transport {

// Raw bytes as read from a peer's socket.
using WireObserver = std::function<void(std::span<const std::byte>)>;

// A TCP socket whose reads pass through an observer. Only async_read_some is intercepted
// (asio::ssl::stream reads the next layer through it); everything else is tcp::socket's.
class ObservedSocket : public asio::ip::tcp::socket {
 public:
  ObservedSocket(asio::ip::tcp::socket socket, WireObserver observer)
      : asio::ip::tcp::socket(std::move(socket)), observer_(std::move(observer)) {}

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(asio::error_code, size_t)>(
        [this](auto handler, const MutableBuffers& target) {
          auto slot = asio::get_associated_cancellation_slot(handler);
          auto executor = asio::get_associated_executor(handler, get_executor());
          asio::ip::tcp::socket::async_read_some(
              target,
              asio::bind_cancellation_slot(
                  slot, asio::bind_executor(executor, [this, target,
                                                       handler = std::move(handler)](
                                                          asio::error_code ec, size_t n) mutable {
                    if (observer_ && n > 0) Observe(target, n);
                    std::move(handler)(ec, n);
                  })));
        },
        token, buffers);
  }

 private:
  template <class MutableBuffers>
  void Observe(const MutableBuffers& buffers, size_t n) {
    for (auto it = asio::buffer_sequence_begin(buffers);
         n > 0 && it != asio::buffer_sequence_end(buffers); ++it) {
      const asio::mutable_buffer b = *it;
      const size_t take = std::min(n, b.size());
      observer_({static_cast<const std::byte*>(b.data()), take});
      n -= take;
    }
  }

  WireObserver observer_;
};

class PeerStream {
 public:
  PeerStream(asio::ip::tcp::socket socket, WireObserver observer)
      : socket_(std::move(socket), std::move(observer)) {}

  ObservedSocket& socket() { return socket_; }
  bool encrypted() const { return tls_.has_value(); }
  // The OpenSSL connection, nullptr on a plaintext stream.
  SSL* ssl() { return tls_ ? tls_->native_handle() : nullptr; }

  // Wraps the socket in TLS using `context` (kept alive by the stream).
  // REQUIRES: not encrypted(); nothing has been read or written yet.
  void StartTls(std::shared_ptr<TlsContext> context, bool server, bool verify) {
    context_ = std::move(context);
    tls_.emplace(socket_, context_->native());
    context_->Prepare(tls_->native_handle(), server, verify);
  }

  // REQUIRES: StartTls() called.
  asio::awaitable<asio::error_code> Handshake(bool server) {
    auto [ec] = co_await tls_->async_handshake(
        server ? asio::ssl::stream_base::server : asio::ssl::stream_base::client,
        detail::kAsTuple);
    co_return ec;
  }

  asio::awaitable<std::tuple<asio::error_code, size_t>> ReadSome(asio::mutable_buffer buffer) {
    if (tls_) co_return co_await tls_->async_read_some(buffer, detail::kAsTuple);
    co_return co_await socket_.async_read_some(buffer, detail::kAsTuple);
  }

  // Writes every buffer. On TLS the buffers are first gathered into one (the SSL layer would
  // otherwise make one record and one system call per buffer).
  asio::awaitable<std::tuple<asio::error_code, size_t>> Write(
      const std::vector<asio::const_buffer>& buffers) {
    if (!tls_) co_return co_await asio::async_write(socket_, buffers, detail::kAsTuple);
    gather_.clear();
    for (const auto& b : buffers) {
      const auto* p = static_cast<const std::byte*>(b.data());
      gather_.insert(gather_.end(), p, p + b.size());
    }
    co_return co_await asio::async_write(*tls_, asio::buffer(gather_), detail::kAsTuple);
  }

  void Close() {
    asio::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  ObservedSocket socket_;
  std::shared_ptr<TlsContext> context_;
  std::optional<asio::ssl::stream<ObservedSocket&>> tls_;
  std::vector<std::byte> gather_;
};

}  // namespace parthenon::p2p::transport
