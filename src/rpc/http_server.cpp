#include "rpc/http_server.h"

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>

#include <array>
#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "rpc/http_connections.h"
#include "rpc/http_request.h"
#include "util/logging.h"

namespace parthenon::rpc {
namespace {

using tcp = asio::ip::tcp;
using SteadyTime = std::chrono::steady_clock::time_point;
using namespace asio::experimental::awaitable_operators;
inline constexpr auto kAsTuple = asio::experimental::as_tuple(asio::use_awaitable);

inline constexpr size_t kReadChunkBytes = 4096;
// After an error answer the rest of the request is read and dropped for a moment, so that the
// client reads the answer instead of a reset; bounded so a refused client cannot hold on.
inline constexpr size_t kDrainBytes = 256 * 1024;
inline constexpr auto kDrainTime = std::chrono::milliseconds(500);
// How long Stop() lets requests in flight finish before the threads are stopped.
inline constexpr auto kStopGrace = std::chrono::seconds(2);

enum class ReadStatus { kOk, kClosed, kTimedOut };

SteadyTime Now() { return std::chrono::steady_clock::now(); }

// Reads once into `buffer`, at most `max_bytes` (> 0) more, unless `deadline` passes first.
asio::awaitable<ReadStatus> ReadSome(tcp::socket& socket, std::string& buffer, size_t max_bytes,
                                     SteadyTime deadline) {
  std::array<char, kReadChunkBytes> chunk;
  asio::steady_timer timer(socket.get_executor(), deadline);
  auto result = co_await (
      socket.async_read_some(asio::buffer(chunk.data(), std::min(max_bytes, chunk.size())), kAsTuple) ||
      timer.async_wait(kAsTuple));
  if (result.index() == 1) co_return ReadStatus::kTimedOut;
  const auto [error, bytes] = std::get<0>(result);
  if (error) co_return ReadStatus::kClosed;
  buffer.append(chunk.data(), bytes);
  co_return ReadStatus::kOk;
}

asio::awaitable<bool> WriteAll(tcp::socket& socket, std::string_view bytes, std::chrono::seconds timeout) {
  asio::steady_timer timer(socket.get_executor(), timeout);
  auto result = co_await (asio::async_write(socket, asio::buffer(bytes), kAsTuple) || timer.async_wait(kAsTuple));
  co_return result.index() == 0 && !std::get<0>(std::get<0>(result));
}

// A refused head (the error is owed an answer) or a connection that closed or timed out.
using HeadResult = std::expected<HttpRequestHead, std::optional<HttpError>>;

// Waits for one request head. Bytes beyond it stay in `buffer`, which never exceeds
// limits.max_head_bytes + 1 while a head is incomplete.
asio::awaitable<HeadResult> ReadHead(tcp::socket& socket, std::string& buffer, const HttpLimits& limits,
                                     SteadyTime deadline) {
  for (;;) {
    auto parsed = ParseRequestHead(buffer, limits);
    if (!parsed) co_return std::unexpected(parsed.error());
    if (*parsed) co_return std::move(**parsed);
    // ParseRequestHead refuses a buffer above max_head_bytes, so there is room for one byte.
    const size_t room = limits.max_head_bytes + 1 - buffer.size();
    if (co_await ReadSome(socket, buffer, room, deadline) != ReadStatus::kOk) {
      co_return std::unexpected(std::nullopt);
    }
  }
}

// The body of `length` bytes (<= max_body_bytes: the head parser checked), memory committed
// only as bytes arrive.
asio::awaitable<std::optional<std::string>> ReadBody(tcp::socket& socket, std::string& buffer, size_t length,
                                                     SteadyTime deadline) {
  while (buffer.size() < length) {
    if (co_await ReadSome(socket, buffer, length - buffer.size(), deadline) != ReadStatus::kOk) {
      co_return std::nullopt;
    }
  }
  std::string body = buffer.substr(0, length);
  buffer.erase(0, length);
  co_return body;
}

// Half-closes, reads and drops what the client still sends (bounded), then closes.
asio::awaitable<void> DrainAndClose(tcp::socket& socket) {
  asio::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  std::string sink;
  const SteadyTime deadline = Now() + kDrainTime;
  for (size_t drained = 0; drained < kDrainBytes; drained += sink.size(), sink.clear()) {
    if (co_await ReadSome(socket, sink, kReadChunkBytes, deadline) != ReadStatus::kOk) break;
  }
  socket.close(ignored);
}

std::string SerializeResponse(const HttpResponse& response, bool keep_alive, bool ask_credentials) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + std::string(ReasonPhrase(response.status)) + "\r\n";
  if (ask_credentials) out += "WWW-Authenticate: Basic realm=\"parthenon\"\r\n";
  if (response.status != 204) {
    out += "Content-Type: " + response.content_type + "\r\n";
    out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  }
  out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  if (response.status != 204) out += response.body;
  return out;
}

std::string ErrorBody(std::string_view message) { return R"({"error":")" + std::string(message) + "\"}"; }

std::string Describe(const tcp::socket& socket) {
  asio::error_code error;
  const tcp::endpoint remote = socket.remote_endpoint(error);
  return error ? std::string("?") : remote.address().to_string() + ":" + std::to_string(remote.port());
}

void LogEscapedException(std::exception_ptr exception, std::string_view what) {
  if (!exception) return;
  try {
    std::rethrow_exception(exception);
  } catch (const std::exception& e) {
    util::Log(util::LogCategory::kRpc).error("{} failed: {}", what, e.what());
  } catch (...) {
    util::Log(util::LogCategory::kRpc).error("{} failed: unknown exception", what);
  }
}

// One connection's state; lives in its coroutine frame, confined to its strand.
struct Connection {
  tcp::socket socket;
  ConnectionSlot& slot;
  std::string peer;
  std::string buffer;  // received, not yet consumed; see ReadHead for its bound
  asio::steady_timer* penalty = nullptr;  // while waiting out an authentication penalty
};

// How a close requested from another thread (eviction, Stop) finds the connection. Confined to
// the connection's strand.
struct ConnectionHandle {
  Connection* connection = nullptr;  // null before the coroutine starts and after it ends
  bool closed = false;               // set by a close requested before the coroutine started

  void Close() {
    closed = true;
    if (!connection) return;
    asio::error_code ignored;
    connection->socket.close(ignored);
    if (connection->penalty) connection->penalty->cancel();
  }
};

}  // namespace

struct HttpServer::Impl {
  Impl(HttpServerOptions options_in, const Dispatcher& dispatcher_in)
      : options(std::move(options_in)),
        dispatcher(dispatcher_in),
        limits{.max_request_line = options.max_request_line_bytes,
               .max_header_count = options.max_header_count,
               .max_head_bytes = options.max_header_bytes,
               .max_body_bytes = options.max_body_bytes},
        connections(options.max_connections),
        auth_pacer(options.auth_failure_delay, options.auth_failures_per_delay) {}

  [[nodiscard]] std::expected<uint16_t, std::string> Listen();
  asio::awaitable<void> Accept();
  void Admit(tcp::socket socket);
  asio::awaitable<void> Serve(tcp::socket socket, std::shared_ptr<ConnectionSlot> slot,
                              std::shared_ptr<ConnectionHandle> handle);
  asio::awaitable<bool> ServeOne(Connection& connection);
  asio::awaitable<void> Refuse(Connection& connection, HttpError error);
  asio::awaitable<void> RefuseCredentials(Connection& connection);
  HttpResponse Route(const HttpRequestHead& head, std::string_view body) const;
  void CloseAll();

  // Constant after construction.
  const HttpServerOptions options;
  const Dispatcher& dispatcher;
  const HttpLimits limits;
  // Constant after Start().
  std::map<std::string, GetHandler, std::less<>> get_routes;
  uint16_t port = 0;

  // Thread-safe. Declared before `io`: connection frames destroyed with `io` leave the table.
  ConnectionTable connections;
  AuthFailurePacer auth_pacer;
  util::LogRateLimiter failed_auth_log{1.0, 5.0};
  util::LogRateLimiter refused_log{1.0, 5.0};
  util::LogRateLimiter capacity_log{0.2, 2.0};
  std::atomic<bool> stopping{false};

  asio::io_context io;
  tcp::acceptor acceptor{io};  // used on `io` only: Listen() before the threads, then Accept()
  std::vector<std::thread> threads;  // Start/Stop's thread only
};

std::expected<uint16_t, std::string> HttpServer::Impl::Listen() {
  const std::string where = options.bind_address + ":" + std::to_string(options.port);
  asio::error_code error;
  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(options.bind_address, std::to_string(options.port),
                                          tcp::resolver::numeric_service | tcp::resolver::passive, error);
  if (error || endpoints.empty()) return std::unexpected("cannot bind the RPC server to " + where + ": " + error.message());
  const tcp::endpoint endpoint = *endpoints.begin();
  // SO_REUSEADDR only: SO_REUSEPORT would let a second node bind the same RPC port and silently
  // receive half the requests.
  acceptor.open(endpoint.protocol(), error);
  if (!error) acceptor.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(tcp::socket::max_listen_connections, error);
  if (error) {
    asio::error_code ignored;
    acceptor.close(ignored);
    return std::unexpected("cannot bind the RPC server to " + where + ": " + error.message() +
                           " (in use by another process, or not an address of this host)");
  }
  return acceptor.local_endpoint().port();
}

asio::awaitable<void> HttpServer::Impl::Accept() {
  for (;;) {
    auto [error, socket] = co_await acceptor.async_accept(asio::make_strand(io), kAsTuple);
    if (stopping || !acceptor.is_open()) co_return;
    if (!error) {
      Admit(std::move(socket));
      continue;
    }
    // Out of descriptors and the like: back off instead of spinning.
    if (auto suppressed = capacity_log.Allow()) {
      util::Log(util::LogCategory::kRpc).warn("RPC accept failed: {} ({} similar suppressed)", error.message(), *suppressed);
    }
    asio::steady_timer pause(io, std::chrono::milliseconds(100));
    co_await pause.async_wait(kAsTuple);
  }
}

void HttpServer::Impl::Admit(tcp::socket socket) {
  auto slot = std::make_shared<ConnectionSlot>();
  auto handle = std::make_shared<ConnectionHandle>();
  const auto executor = socket.get_executor();
  slot->close = [executor, handle] { asio::post(executor, [handle] { handle->Close(); }); };
  auto admission = connections.Admit(slot);
  if (admission.evicted) admission.evicted->close();
  if (!admission.admitted || admission.evicted) {
    if (auto suppressed = capacity_log.Allow()) {
      util::Log(util::LogCategory::kRpc)
          .warn("RPC connection limit ({}) reached: {} ({} similar suppressed)", options.max_connections,
                admission.admitted ? "closed the oldest idle connection" : "refused a connection", *suppressed);
    }
  }
  if (!admission.admitted) return;  // `socket` closes here
  asio::co_spawn(executor, Serve(std::move(socket), std::move(slot), std::move(handle)),
                 [](std::exception_ptr e) { LogEscapedException(e, "RPC connection"); });
}

asio::awaitable<void> HttpServer::Impl::Serve(tcp::socket socket, std::shared_ptr<ConnectionSlot> slot,
                                              std::shared_ptr<ConnectionHandle> handle) {
  const std::string peer = Describe(socket);
  Connection connection{.socket = std::move(socket), .slot = *slot, .peer = peer};
  // Leaves the table however the coroutine ends, also when `io` is destroyed with this frame
  // suspended.
  struct Registration {
    ConnectionTable& table;
    const ConnectionSlot* slot;
    ConnectionHandle& handle;
    ~Registration() {
      handle.connection = nullptr;
      table.Remove(slot);
    }
  } registration{connections, slot.get(), *handle};
  if (handle->closed) co_return;  // evicted, or Stop(), before this coroutine started
  handle->connection = &connection;
  while (co_await ServeOne(connection)) {
  }
  asio::error_code ignored;
  connection.socket.close(ignored);
}

// One request on a connection; false when the connection is done.
asio::awaitable<bool> HttpServer::Impl::ServeOne(Connection& connection) {
  tcp::socket& socket = connection.socket;
  connection.slot.evictable = true;
  auto head = co_await ReadHead(socket, connection.buffer, limits, Now() + options.request_head_timeout);
  if (!head) {
    if (head.error()) co_await Refuse(connection, *head.error());
    co_return false;
  }
  connection.slot.evictable = false;
  connection.buffer.erase(0, head->head_bytes);
  const auto authorization = head->Header("authorization");
  if (!authorization || !CheckBasicAuthorization(*authorization, options.credentials)) {
    co_await RefuseCredentials(connection);
    co_return false;
  }
  if (head->expect_continue && connection.buffer.size() < head->content_length &&
      !co_await WriteAll(socket, "HTTP/1.1 100 Continue\r\n\r\n", options.io_timeout)) {
    co_return false;
  }
  auto body = co_await ReadBody(socket, connection.buffer, head->content_length, Now() + options.io_timeout);
  if (!body) co_return false;
  const HttpResponse response = Route(*head, *body);
  const bool keep_alive = head->keep_alive && !stopping;
  co_return co_await WriteAll(socket, SerializeResponse(response, keep_alive, false), options.io_timeout) &&
      keep_alive;
}

asio::awaitable<void> HttpServer::Impl::Refuse(Connection& connection, HttpError error) {
  if (auto suppressed = refused_log.Allow()) {
    util::Log(util::LogCategory::kRpc)
        .debug("refused an HTTP request from {}: {} {} ({} similar suppressed)", connection.peer,
               StatusCode(error), ToString(error), *suppressed);
  }
  const HttpResponse response{.status = StatusCode(error), .body = ErrorBody(ToString(error))};
  if (co_await WriteAll(connection.socket, SerializeResponse(response, false, false), options.io_timeout)) {
    co_await DrainAndClose(connection.socket);
  }
}

asio::awaitable<void> HttpServer::Impl::RefuseCredentials(Connection& connection) {
  if (auto suppressed = failed_auth_log.Allow()) {
    util::Log(util::LogCategory::kRpc)
        .warn("rejected HTTP request without valid credentials from {} ({} similar suppressed)",
              connection.peer, *suppressed);
  }
  // Waiting holds a connection slot (evictable: a close cancels the wait) but no thread.
  connection.slot.evictable = true;
  asio::steady_timer penalty(connection.socket.get_executor(), auth_pacer.ReleaseTime(Now()));
  connection.penalty = &penalty;
  const auto [cancelled] = co_await penalty.async_wait(kAsTuple);
  connection.penalty = nullptr;
  if (cancelled) co_return;
  const HttpResponse response{.status = 401, .body = ErrorBody("authentication required")};
  if (co_await WriteAll(connection.socket, SerializeResponse(response, false, true), options.io_timeout)) {
    co_await DrainAndClose(connection.socket);
  }
}

HttpResponse HttpServer::Impl::Route(const HttpRequestHead& head, std::string_view body) const {
  const std::string_view path = std::string_view(head.target).substr(0, head.target.find('?'));
  try {
    if (head.method == "POST" && path == "/") {
      std::string out = dispatcher.HandleBody(body);
      if (out.empty()) return {.status = 204};  // only notifications
      return {.body = std::move(out)};
    }
    if (head.method == "GET") {
      if (const auto route = get_routes.find(path); route != get_routes.end()) return route->second();
    }
  } catch (const std::exception& e) {
    util::Log(util::LogCategory::kRpc).error("{} {} failed: {}", head.method, path, e.what());
    return {.status = 500, .body = ErrorBody("internal error")};
  }
  return {.status = 404, .body = ErrorBody("not found")};
}

void HttpServer::Impl::CloseAll() {
  asio::post(io, [this] {
    asio::error_code ignored;
    acceptor.close(ignored);
  });
  // A connection in the middle of a request finishes it and then closes (`stopping`).
  for (const auto& slot : connections.Snapshot()) {
    if (slot->evictable) slot->close();
  }
}

HttpServer::HttpServer(HttpServerOptions options, const Dispatcher& dispatcher)
    : impl_(std::make_unique<Impl>(std::move(options), dispatcher)) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::AddGet(const std::string& path, GetHandler handler) {
  impl_->get_routes[path] = std::move(handler);
}

std::expected<uint16_t, std::string> HttpServer::Start() {
  Impl& impl = *impl_;
  auto port = impl.Listen();
  if (!port) return port;
  impl.port = *port;
  asio::co_spawn(impl.io, impl.Accept(), [](std::exception_ptr e) { LogEscapedException(e, "RPC accept loop"); });
  const size_t threads = std::max<size_t>(1, impl.options.threads);
  for (size_t i = 0; i < threads; ++i) impl.threads.emplace_back([&impl] { impl.io.run(); });
  util::Log(util::LogCategory::kRpc).info("RPC server listening on {}:{}", impl.options.bind_address, impl.port);
  return impl.port;
}

void HttpServer::Stop() {
  if (!impl_ || impl_->threads.empty()) return;
  Impl& impl = *impl_;
  impl.stopping = true;
  impl.CloseAll();
  // Requests in flight get a grace period to answer; then whatever still waits is abandoned.
  const SteadyTime give_up = Now() + kStopGrace;
  while (impl.connections.size() > 0 && Now() < give_up) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  impl.io.stop();
  for (std::thread& thread : impl.threads) thread.join();
  impl.threads.clear();
}

uint16_t HttpServer::port() const { return impl_->port; }

}  // namespace parthenon::rpc
