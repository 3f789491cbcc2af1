// JSON-RPC request processing, independent of HTTP: parses a body (one request or a batch),
// calls the registered method and builds the response.
//
// Speaks JSON-RPC 2.0 ({"jsonrpc":"2.0",...}: requests without "id" are notifications and get
// no response) and, for bitcoin-cli style clients that send no "jsonrpc" or "1.0", the 1.0 shape
// ({"result":..., "error":..., "id":...}).
//
// Thread-safety: thread-safe. Handlers run concurrently on the HTTP server's threads and must
// be thread-safe themselves.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "rpc/errors.h"
#include "util/mutex.h"

namespace parthenon::rpc {

using Handler = std::function<Result<nlohmann::json>(const nlohmann::json& params)>;

struct Method {
  std::string name;
  std::string arguments;    // e.g. "height" or "address amount [fee_rate]"
  std::string description;  // one line
  Handler handler;
};

inline constexpr size_t kMaxBatchSize = 1000;

class Dispatcher {
 public:
  Dispatcher();

  // Adds (or replaces) a method.
  void Register(Method method) EXCLUDES(mutex_);

  // The response body for an HTTP request body; empty if it held only notifications. A body
  // nested deeper than kMaxJsonDepth (rpc/json_limits.h) gets a -32700 error without being
  // parsed.
  std::string HandleBody(std::string_view body) const;

  // One request object; nullopt for a notification.
  std::optional<nlohmann::json> HandleRequest(const nlohmann::json& request) const;

  // Registered methods, sorted by name.
  std::vector<Method> Methods() const EXCLUDES(mutex_);

 private:
  Result<nlohmann::json> Call(const std::string& name, const nlohmann::json& params) const
      EXCLUDES(mutex_);

  mutable util::Mutex mutex_;
  std::map<std::string, Method, std::less<>> methods_ GUARDED_BY(mutex_);
};

}  // namespace parthenon::rpc
