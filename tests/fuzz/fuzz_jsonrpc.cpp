// Fuzz target: the JSON-RPC request path (Dispatcher::HandleBody: depth pre-scan, parse, batch
// handling, dispatch to methods, response building) on arbitrary bytes, with a few dummy methods
// like the node's: one echoing its params, one reading typed (and optional) params, one failing, one throwing.
// Properties: nothing crashes, overflows the stack or leaks; the answer is empty (notifications
// only) or JSON: a response object, or a non-empty array of them, each with an "id" and a
// "result" or an "error" {code, message}.
#include <stdexcept>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fuzz_check.h"
#include "rpc/dispatcher.h"
#include "rpc/params.h"
#include "util/result.h"

namespace {

using parthenon::rpc::Result;
using nlohmann::json;

const parthenon::rpc::Dispatcher& FuzzDispatcher() {
  static const parthenon::rpc::Dispatcher* dispatcher = [] {
    auto* d = new parthenon::rpc::Dispatcher();
    d->Register({.name = "echo", .arguments = "[value]", .description = "Echoes its params.",
                 .handler = [](const json& params) -> Result<json> { return params; }});
    d->Register({.name = "label", .arguments = "height [name] [verbose]", .description = "Typed params.",
                 .handler = [](const json& params) -> Result<json> {
                   parthenon::rpc::Params p(params, {"height", "name", "verbose"});
                   PARTHENON_TRY(p.CheckShape());
                   auto height = p.Int(0, 0, 1'000'000);
                   auto name = p.OptionalString(1);
                   auto verbose = p.OptionalBool(2);
                   if (!height || !name || !verbose) return parthenon::rpc::MakeError(
                       parthenon::rpc::ErrorCode::kInvalidParams, "bad params");
                   return json{{"height", *height}, {"name", name->value_or("")}, {"verbose", verbose->value_or(false)}};
                 }});
    d->Register({.name = "fail", .arguments = "", .description = "Fails.",
                 .handler = [](const json&) -> Result<json> {
                   return parthenon::rpc::MakeError(parthenon::rpc::ErrorCode::kMiscError, "failed");
                 }});
    d->Register({.name = "throw", .arguments = "", .description = "Throws.",
                 .handler = [](const json&) -> Result<json> { throw std::runtime_error("thrown"); }});
    return d;
  }();
  return *dispatcher;
}

bool IsResponse(const json& response) {
  if (!response.is_object() || !response.contains("id")) return false;
  const auto error = response.find("error");
  if (error != response.end() && !error->is_null()) {
    return error->is_object() && (*error)["code"].is_number_integer() && (*error)["message"].is_string();
  }
  return response.contains("result");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using parthenon::fuzz::Check;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const std::string answer = FuzzDispatcher().HandleBody(body);
  if (answer.empty()) return 0;
  const json parsed = json::parse(answer, nullptr, /*allow_exceptions=*/false);
  Check(!parsed.is_discarded(), "the answer is JSON");
  if (parsed.is_array()) {
    Check(!parsed.empty(), "a batch answer is not empty");
    for (const json& response : parsed) Check(IsResponse(response), "each batch answer is a response");
  } else {
    Check(IsResponse(parsed), "the answer is a response");
  }
  return 0;
}
