// The client side of the RPC interface, as parthenon-cli uses it: turning command-line words into
// a request, sending it, and turning the answer into what the user sees. Thread-safe (pure
// functions; Call opens its own connection).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rpc/cookie.h"

namespace parthenon::rpc {

// A JSON-RPC 2.0 request. Each argument that parses as JSON is sent as that value (numbers,
// booleans, arrays, objects, quoted strings); anything else is sent as a string. With `named`,
// arguments are name=value pairs and params is an object.
[[nodiscard]] std::expected<nlohmann::json, std::string> BuildRequest(
    const std::string& method, const std::vector<std::string>& args, bool named);

struct CallResult {
  int http_status = 0;  // 0: no connection
  std::string body;
  std::string transport_error;  // why there was no answer
};

CallResult Call(const std::string& host, uint16_t port, const Credentials& credentials,
                const std::string& body, std::chrono::seconds timeout);

struct CliOutput {
  std::string out;  // for stdout
  std::string err;  // for stderr
  int exit_code = 0;
};

// What parthenon-cli prints for `result` (like bitcoin-cli: strings bare, null as nothing,
// other values as indented JSON; errors as "error code" / "error message", exit code 1).
CliOutput FormatCallResult(const CallResult& result, const std::string& where);

}  // namespace parthenon::rpc
