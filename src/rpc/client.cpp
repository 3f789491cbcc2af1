#include "rpc/client.h"

#include <httplib.h>

namespace parthenon::rpc {

std::expected<nlohmann::json, std::string> BuildRequest(const std::string& method,
                                                        const std::vector<std::string>& args,
                                                        bool named) {
  auto value_of = [](const std::string& text) {
    nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    return value.is_discarded() ? nlohmann::json(text) : value;
  };
  nlohmann::json params = named ? nlohmann::json::object() : nlohmann::json::array();
  for (const std::string& arg : args) {
    if (!named) {
      params.push_back(value_of(arg));
      continue;
    }
    const size_t equals = arg.find('=');
    if (equals == std::string::npos || equals == 0) {
      return std::unexpected("named argument '" + arg + "' is not of the form name=value");
    }
    params[arg.substr(0, equals)] = value_of(arg.substr(equals + 1));
  }
  return nlohmann::json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}};
}

CallResult Call(const std::string& host, uint16_t port, const Credentials& credentials,
                const std::string& body, std::chrono::seconds timeout) {
  httplib::Client client(host, port);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  const httplib::Headers headers{{"Authorization", BasicAuthorization(credentials)}};
  auto response = client.Post("/", headers, body, "application/json");
  if (!response) return {.http_status = 0, .body = {}, .transport_error = httplib::to_string(response.error())};
  return {.http_status = response->status, .body = response->body, .transport_error = {}};
}

CliOutput FormatCallResult(const CallResult& result, const std::string& where) {
  if (result.http_status == 0) {
    return {.out = {}, .err = "error: cannot reach the node's RPC server at " + where + " (" +
                              result.transport_error + "). Is parthenon-node running with this --chain and --rpcport?\n",
            .exit_code = 1};
  }
  if (result.http_status == 401) {
    return {.out = {}, .err = "error: the node refused the credentials (401). Check --rpcuser/--rpcpassword, "
                              "or --datadir so the cookie file can be read.\n",
            .exit_code = 1};
  }
  const nlohmann::json response = nlohmann::json::parse(result.body, nullptr, false);
  if (response.is_discarded() || !response.is_object()) {
    return {.out = {}, .err = "error: unexpected answer (HTTP " + std::to_string(result.http_status) +
                              "): " + result.body.substr(0, 200) + "\n",
            .exit_code = 1};
  }
  if (const auto error = response.find("error"); error != response.end() && !error->is_null()) {
    return {.out = {}, .err = "error code: " + error->value("code", nlohmann::json(0)).dump() +
                              "\nerror message:\n" + error->value("message", std::string()) + "\n",
            .exit_code = 1};
  }
  const nlohmann::json value = response.value("result", nlohmann::json(nullptr));
  if (value.is_null()) return {};
  if (value.is_string()) return {.out = value.get<std::string>() + "\n", .err = {}, .exit_code = 0};
  return {.out = value.dump(2) + "\n", .err = {}, .exit_code = 0};
}

}  // namespace parthenon::rpc
