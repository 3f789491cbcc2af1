#include "rpc/dispatcher.h"

#include "rpc/json_limits.h"
#include "rpc/params.h"
#include "util/result.h"
#include "util/logging.h"

namespace parthenon::rpc {
namespace {

nlohmann::json Response(bool v2, const nlohmann::json& id, const Result<nlohmann::json>& result) {
  nlohmann::json out;
  if (v2) out["jsonrpc"] = "2.0";
  if (result) {
    out["result"] = *result;
    if (!v2) out["error"] = nullptr;
  } else {
    if (!v2) out["result"] = nullptr;
    out["error"] = ToJson(result.error());
  }
  out["id"] = id;
  return out;
}

nlohmann::json ErrorResponse(ErrorCode code, std::string message) {
  return Response(true, nullptr, MakeError(code, std::move(message)));
}

}  // namespace

Dispatcher::Dispatcher() {
  Register({.name = "help",
            .arguments = "[method]",
            .description = "List the methods, or describe one.",
            .handler = [this](const nlohmann::json& params) -> Result<nlohmann::json> {
              Params p(params, {"method"});
              PARTHENON_TRY(p.CheckShape());
              auto wanted = p.OptionalString(0);
              if (!wanted) return std::unexpected(wanted.error());
              std::string text;
              for (const Method& method : Methods()) {
                if (*wanted && method.name != **wanted) continue;
                text += method.name + (method.arguments.empty() ? "" : " " + method.arguments);
                text += *wanted ? "\n\n" + method.description : "";
                text += "\n";
              }
              if (*wanted && text.empty()) {
                return MakeError(ErrorCode::kMethodNotFound, "unknown method '" + **wanted + "'");
              }
              return text;
            }});
}

void Dispatcher::Register(Method method) {
  util::MutexLock lock(mutex_);
  std::string name = method.name;
  methods_[std::move(name)] = std::move(method);
}

std::vector<Method> Dispatcher::Methods() const {
  util::MutexLock lock(mutex_);
  std::vector<Method> out;
  for (const auto& [name, method] : methods_) out.push_back(method);
  return out;
}

Result<nlohmann::json> Dispatcher::Call(const std::string& name, const nlohmann::json& params) const {
  Handler handler;
  {
    util::MutexLock lock(mutex_);
    const auto it = methods_.find(name);
    if (it == methods_.end()) return MakeError(ErrorCode::kMethodNotFound, "Method not found: " + name);
    handler = it->second.handler;
  }
  try {
    return handler(params);
  } catch (const std::exception& e) {
    util::Log(util::LogCategory::kRpc).error("method {} failed: {}", name, e.what());
    return MakeError(ErrorCode::kInternalError, std::string("internal error: ") + e.what());
  }
}

std::optional<nlohmann::json> Dispatcher::HandleRequest(const nlohmann::json& request) const {
  if (!request.is_object()) return ErrorResponse(ErrorCode::kInvalidRequest, "request must be an object");
  const auto version = request.find("jsonrpc");
  const bool v2 = version != request.end() && *version == "2.0";
  if (version != request.end() && !v2 && *version != "1.0") {
    return ErrorResponse(ErrorCode::kInvalidRequest, "jsonrpc must be \"2.0\" (or \"1.0\")");
  }
  const auto id_it = request.find("id");
  const bool notification = v2 && id_it == request.end();
  const nlohmann::json id = id_it == request.end() ? nlohmann::json(nullptr) : *id_it;
  if (!id.is_null() && !id.is_string() && !id.is_number()) {
    return ErrorResponse(ErrorCode::kInvalidRequest, "id must be a string, a number or null");
  }
  const auto method = request.find("method");
  if (method == request.end() || !method->is_string()) {
    return Response(v2, id, MakeError(ErrorCode::kInvalidRequest, "method must be a string"));
  }
  const auto params_it = request.find("params");
  const nlohmann::json params = params_it == request.end() ? nlohmann::json::array() : *params_it;
  if (!params.is_array() && !params.is_object()) {
    return Response(v2, id, MakeError(ErrorCode::kInvalidRequest, "params must be an array or an object"));
  }
  auto result = Call(method->get<std::string>(), params);
  if (notification) return std::nullopt;
  return Response(v2, id, result);
}

std::string Dispatcher::HandleBody(std::string_view body) const {
  // Checked on the bytes first: a deep value would crash the thread that copies or frees it.
  if (ExceedsJsonDepth(body, kMaxJsonDepth)) {
    return ErrorResponse(ErrorCode::kParseError,
                         "Parse error: JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
                             " levels")
        .dump();
  }
  const nlohmann::json request = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded()) return ErrorResponse(ErrorCode::kParseError, "Parse error").dump();
  if (!request.is_array()) {
    auto response = HandleRequest(request);
    return response ? response->dump() : std::string();
  }
  if (request.empty()) return ErrorResponse(ErrorCode::kInvalidRequest, "empty batch").dump();
  if (request.size() > kMaxBatchSize) {
    return ErrorResponse(ErrorCode::kInvalidRequest,
                         "batch larger than " + std::to_string(kMaxBatchSize) + " requests")
        .dump();
  }
  nlohmann::json responses = nlohmann::json::array();
  for (const auto& item : request) {
    if (auto response = HandleRequest(item)) responses.push_back(std::move(*response));
  }
  return responses.empty() ? std::string() : responses.dump();
}

}  // namespace parthenon::rpc
