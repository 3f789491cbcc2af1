#include "rpc/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <thread>

#include "util/logging.h"

namespace parthenon::rpc {

struct HttpServer::Impl {
  Impl(HttpServerOptions options_in, const Dispatcher& dispatcher_in)
      : options(std::move(options_in)), dispatcher(dispatcher_in) {}

  httplib::Server::HandlerResponse Authenticate(const httplib::Request& request,
                                                httplib::Response& response) {
    const std::string header = request.get_header_value("Authorization");
    if (CheckBasicAuthorization(header, options.credentials)) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    if (auto suppressed = failed_auth_log.Allow()) {
      util::Log(util::LogCategory::kRpc)
          .warn("rejected HTTP request without valid credentials from {} ({} similar suppressed)",
                request.remote_addr, *suppressed);
    }
    response.status = 401;
    response.set_header("WWW-Authenticate", "Basic realm=\"parthenon\"");
    response.set_content("{\"error\":\"authentication required\"}", "application/json");
    return httplib::Server::HandlerResponse::Handled;
  }

  const HttpServerOptions options;
  const Dispatcher& dispatcher;
  httplib::Server server;
  std::thread thread;
  std::atomic<bool> listening_done{false};
  uint16_t port = 0;
  util::LogRateLimiter failed_auth_log{1.0, 5.0};
};

HttpServer::HttpServer(HttpServerOptions options, const Dispatcher& dispatcher)
    : impl_(std::make_unique<Impl>(std::move(options), dispatcher)) {
  Impl& impl = *impl_;
  const size_t threads = std::max<size_t>(1, impl.options.threads);
  impl.server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  impl.server.set_payload_max_length(impl.options.max_body_bytes);
  // httplib's default also sets SO_REUSEPORT, which would let a second node bind the same RPC
  // port and silently receive half the requests. Reuse of TIME_WAIT addresses is enough.
  impl.server.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  impl.server.set_read_timeout(impl.options.io_timeout);
  impl.server.set_write_timeout(impl.options.io_timeout);
  impl.server.set_pre_routing_handler(
      [&impl](const httplib::Request& request, httplib::Response& response) {
        return impl.Authenticate(request, response);
      });
  impl.server.Post("/", [&impl](const httplib::Request& request, httplib::Response& response) {
    std::string body = impl.dispatcher.HandleBody(request.body);
    if (body.empty()) {
      response.status = 204;  // only notifications
      return;
    }
    response.set_content(std::move(body), "application/json");
  });
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::AddGet(const std::string& path, GetHandler handler) {
  impl_->server.Get(path, [handler = std::move(handler)](const httplib::Request&,
                                                        httplib::Response& response) {
    HttpResponse out = handler();
    response.status = out.status;
    response.set_content(std::move(out.body), out.content_type);
  });
}

std::expected<uint16_t, std::string> HttpServer::Start() {
  Impl& impl = *impl_;
  const std::string where = impl.options.bind_address + ":" + std::to_string(impl.options.port);
  if (impl.options.port == 0) {
    const int port = impl.server.bind_to_any_port(impl.options.bind_address);
    if (port <= 0) return std::unexpected("cannot bind the RPC server to " + where);
    impl.port = static_cast<uint16_t>(port);
  } else {
    if (!impl.server.bind_to_port(impl.options.bind_address, impl.options.port)) {
      return std::unexpected("cannot bind the RPC server to " + where +
                             " (in use by another process, or not an address of this host)");
    }
    impl.port = impl.options.port;
  }
  impl.listening_done = false;
  impl.thread = std::thread([&impl] {
    impl.server.listen_after_bind();
    impl.listening_done = true;
  });
  // Stop() only takes effect once the server runs: wait for that (or for its failure).
  while (!impl.server.is_running() && !impl.listening_done) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  util::Log(util::LogCategory::kRpc).info("RPC server listening on {}:{}", impl.options.bind_address,
                                          impl.port);
  return impl.port;
}

void HttpServer::Stop() {
  if (!impl_) return;
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

uint16_t HttpServer::port() const { return impl_->port; }

}  // namespace parthenon::rpc
