// PeerStream: the byte stream a session reads and writes — a TCP socket, optionally upgraded to
// TLS (asio::ssl::stream over the same socket) before the first protocol byte. An optional
// observer sees every byte read from the socket as it arrived on the wire (ciphertext on TLS
// links), for diagnostics and tests.
//
// Writes take queued frames (send_queue.h). A frame whose payload is a file segment (a stored
// block) goes out as its header from memory and then, on a plaintext link, the payload by
// sendfile(2) straight from the page cache into the socket; on a TLS link (or with sendfile off)
// the payload is read once, into the buffer that the TLS layer encrypts.
//
// Internal to src/p2p. Confined to the session's strand (like the socket it owns).
#pragma once

#include <sys/sendfile.h>

#include <cerrno>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <tuple>
#include <vector>

#include "p2p/detail/asio.h"
#include "p2p/transport/send_queue.h"
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

  // Writes every frame, in order; returns the bytes written. `use_sendfile`: file payloads on a
  // plaintext link go by sendfile(2) (if their file has a descriptor); otherwise each is read
  // once into the write buffer. On TLS everything is gathered into one buffer first (the SSL
  // layer would otherwise make one record and one system call per buffer). A file that turns
  // out shorter than its segment (truncated after it was checked) ends the write with an I/O
  // error: part of the frame may be out, so the link cannot continue.
  asio::awaitable<std::tuple<asio::error_code, size_t>> WriteFrames(std::span<const OutFrame> frames,
                                                                   bool use_sendfile) {
    size_t written = 0;
    for (const auto& frame : frames) {
      const bool by_kernel = frame.file && !tls_ && use_sendfile && frame.file->file->Descriptor() >= 0;
      Append(*frame.bytes);
      if (!frame.file) continue;
      if (!by_kernel) {
        if (tls_) {  // read straight into the buffer the TLS layer encrypts
          const size_t at = gather_.size();
          gather_.resize(at + frame.file->size);
          if (!ReadSegment(*frame.file, std::span(gather_).subspan(at))) co_return Failed(written);
          continue;
        }
        copy_.resize(frame.file->size);
        if (!ReadSegment(*frame.file, copy_)) co_return Failed(written);
        buffers_.push_back(asio::buffer(copy_));
      }
      auto [ec, n] = co_await Flush();
      written += n;
      if (ec) co_return std::tuple{ec, written};
      if (by_kernel) {
        auto [file_ec, file_n] = co_await SendFile(*frame.file);
        written += file_n;
        sendfile_bytes_ += file_n;
        if (file_ec) co_return std::tuple{file_ec, written};
      }
    }
    auto [ec, n] = co_await Flush();
    co_return std::tuple{ec, written + n};
  }

  // Bytes WriteFrames has sent by sendfile(2) since the stream was made.
  uint64_t sendfile_bytes() const { return sendfile_bytes_; }

  void Close() {
    asio::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  // A write buffer larger than this is given back after use (an idle peer keeps little).
  static constexpr size_t kKeepBufferBytes = 512 * 1024;
  // One sendfile(2) call moves at most this much (the socket buffer takes less anyway).
  static constexpr size_t kSendfileChunk = 1 << 20;

  void Append(const util::Bytes& bytes) {
    if (tls_) {
      gather_.insert(gather_.end(), bytes.begin(), bytes.end());
    } else {
      buffers_.push_back(asio::buffer(bytes));
    }
  }

  static bool ReadSegment(const FileSegment& segment, std::span<std::byte> out) {
    return segment.file->ReadInto(segment.offset, out).has_value();
  }

  std::tuple<asio::error_code, size_t> Failed(size_t written) {
    buffers_.clear();
    gather_.clear();
    return {std::make_error_code(std::errc::io_error), written};
  }

  // Writes what Append gathered.
  asio::awaitable<std::tuple<asio::error_code, size_t>> Flush() {
    std::tuple<asio::error_code, size_t> result{};
    if (tls_ && !gather_.empty()) {
      result = co_await asio::async_write(*tls_, asio::buffer(gather_), detail::kAsTuple);
    } else if (!tls_ && !buffers_.empty()) {
      result = co_await asio::async_write(socket_, buffers_, detail::kAsTuple);
    }
    buffers_.clear();
    gather_.clear();
    if (gather_.capacity() > kKeepBufferBytes) gather_ = {};
    if (copy_.capacity() > kKeepBufferBytes) copy_ = {};
    co_return result;
  }

  // The payload by sendfile(2) on the non-blocking socket: a partial write continues where it
  // stopped once the socket is writable again.
  asio::awaitable<std::tuple<asio::error_code, size_t>> SendFile(const FileSegment& segment) {
    asio::error_code ec;
    if (!socket_.native_non_blocking()) socket_.native_non_blocking(true, ec);
    if (ec) co_return std::tuple{ec, size_t{0}};
    auto offset = static_cast<off_t>(segment.offset);
    size_t done = 0;
    while (done < segment.size) {
      const ssize_t n = ::sendfile(socket_.native_handle(), segment.file->Descriptor(), &offset,
                                   std::min(segment.size - done, kSendfileChunk));
      if (n > 0) {
        done += static_cast<size_t>(n);
        continue;
      }
      if (n == 0) co_return std::tuple{std::make_error_code(std::errc::io_error), done};  // file shrank
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        co_return std::tuple{asio::error_code(errno, asio::system_category()), done};
      }
      auto [wait_ec] = co_await socket_.async_wait(asio::ip::tcp::socket::wait_write, detail::kAsTuple);
      if (wait_ec) co_return std::tuple{wait_ec, done};
    }
    co_return std::tuple{asio::error_code{}, done};
  }

  ObservedSocket socket_;
  std::shared_ptr<TlsContext> context_;
  std::optional<asio::ssl::stream<ObservedSocket&>> tls_;
  std::vector<asio::const_buffer> buffers_;  // plaintext: views of the frames being written
  std::vector<std::byte> gather_;            // TLS: the bytes of the frames being written
  std::vector<std::byte> copy_;              // plaintext without sendfile: a file payload
  uint64_t sendfile_bytes_ = 0;
};

}  // namespace parthenon::p2p::transport
