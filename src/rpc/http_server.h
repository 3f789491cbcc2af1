// The node's HTTP interface: JSON-RPC on POST /, plus GET routes (REST, /metrics) that the node
// registers. Every request must carry HTTP Basic credentials (401 otherwise, after a delay).
// Binds 127.0.0.1 unless told otherwise.
//
// A small HTTP/1.1 server of our own on Asio (docs/security.md, "RPC / HTTP", says why not
// cpp-httplib). Everything a client can make it hold is bounded by HttpServerOptions: the request
// head is parsed with limits (rpc/http_request.h) and must arrive within request_head_timeout;
// the body is refused by its Content-Length before a byte of it is read and before the
// credentials are checked; connections are capped, and at the cap the oldest connection that is
// idle or being penalised for bad credentials makes room. Slow clients hold a connection slot
// but never a thread: I/O is asynchronous, and only request handlers run on the `threads`
// threads.
//
// Thread-safety: AddGet() before Start(); Start/Stop from one thread. Handlers run on the
// server's threads, several at once.
#pragma once
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>

#include "rpc/cookie.h"
#include "rpc/dispatcher.h"

namespace parthenon::rpc {

struct HttpServerOptions {
  std::string bind_address = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port (see HttpServer::port())
  Credentials credentials;
  size_t max_body_bytes = 4 * 1024 * 1024;
  size_t threads = 4;
  std::chrono::seconds io_timeout{30};  // to read a body, and to write a response
  // The request line, header fields and blank line; bodies are bounded by max_body_bytes.
  size_t max_request_line_bytes = 8 * 1024;  // 414 above
  size_t max_header_count = 64;              // 431 above
  size_t max_header_bytes = 16 * 1024;       // 431 above
  // The whole head of a request must arrive within this, counted from the first byte the server
  // waits for (so it is also the keep-alive idle timeout). One deadline, not one per recv().
  std::chrono::milliseconds request_head_timeout{5000};
  size_t max_connections = 32;
  // A request with bad credentials is answered (401, then close) after at least this delay.
  std::chrono::milliseconds auth_failure_delay{250};
  // At most this many 401s are released per auth_failure_delay across all connections, so
  // parallel connections do not multiply the guessing rate. The waits hold no thread.
  size_t auth_failures_per_delay = 4;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

using GetHandler = std::function<HttpResponse()>;

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, const Dispatcher& dispatcher);
  ~HttpServer();  // Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // REQUIRES: before Start().
  void AddGet(const std::string& path, GetHandler handler);

  // Binds and starts serving; the error says why binding failed.
  [[nodiscard]] std::expected<uint16_t, std::string> Start();
  void Stop();
  uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parthenon::rpc
