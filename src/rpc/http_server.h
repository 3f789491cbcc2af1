// The node's HTTP interface: JSON-RPC on POST /, plus GET routes (REST, /metrics) that the node
// registers. Every request must carry HTTP Basic credentials (401 otherwise). Binds 127.0.0.1
// unless told otherwise; bodies above `max_body_bytes` get 413.
//
// Thread-safety: AddGet() before Start(); Start/Stop from one thread. Requests are served on
// the server's own small thread pool (RPC is local and low-rate; see DESIGN.md §1).
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
  std::chrono::seconds io_timeout{30};
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
