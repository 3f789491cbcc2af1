#include "rpc/params.h"

#include <algorithm>

namespace parthenon::rpc {

Params::Params(const nlohmann::json& params, std::initializer_list<std::string_view> names)
    : params_(params), names_(names) {}

Result<void> Params::CheckShape() const {
  if (params_.is_null()) return {};
  if (params_.is_array()) {
    if (params_.size() > names_.size()) {
      return MakeError(ErrorCode::kInvalidParams,
                       "too many parameters: expected at most " + std::to_string(names_.size()) +
                           ", got " + std::to_string(params_.size()));
    }
    return {};
  }
  if (params_.is_object()) {
    for (const auto& [key, value] : params_.items()) {
      if (std::find(names_.begin(), names_.end(), key) == names_.end()) {
        return MakeError(ErrorCode::kInvalidParams, "unknown parameter '" + key + "'");
      }
    }
    return {};
  }
  return MakeError(ErrorCode::kInvalidRequest, "params must be an array or an object");
}

const nlohmann::json* Params::Get(size_t index) const {
  const nlohmann::json* value = nullptr;
  if (params_.is_array() && index < params_.size()) {
    value = &params_[index];
  } else if (params_.is_object() && index < names_.size()) {
    const auto it = params_.find(std::string(names_[index]));
    if (it != params_.end()) value = &*it;
  }
  return value != nullptr && !value->is_null() ? value : nullptr;
}

std::unexpected<Error> Params::Missing(size_t index) const {
  const std::string name = index < names_.size() ? std::string(names_[index]) : std::to_string(index);
  return MakeError(ErrorCode::kInvalidParams, "missing parameter '" + name + "'");
}

std::unexpected<Error> Params::WrongType(size_t index, std::string_view expected) const {
  const std::string name = index < names_.size() ? std::string(names_[index]) : std::to_string(index);
  return MakeError(ErrorCode::kTypeError,
                   "parameter '" + name + "' must be " + std::string(expected));
}

Result<std::optional<std::string>> Params::OptionalString(size_t index) const {
  const nlohmann::json* value = Get(index);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) return WrongType(index, "a string");
  return value->get<std::string>();
}

Result<std::optional<int64_t>> Params::OptionalInt(size_t index, int64_t min, int64_t max) const {
  const nlohmann::json* value = Get(index);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number_integer()) return WrongType(index, "an integer");
  const int64_t number = value->get<int64_t>();
  if (number < min || number > max || (value->is_number_unsigned() && number < 0)) {
    const std::string name = index < names_.size() ? std::string(names_[index]) : std::to_string(index);
    return MakeError(ErrorCode::kInvalidParameter, "parameter '" + name + "' out of range [" +
                                                       std::to_string(min) + ", " +
                                                       std::to_string(max) + "]");
  }
  return number;
}

Result<std::optional<bool>> Params::OptionalBool(size_t index) const {
  const nlohmann::json* value = Get(index);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) return WrongType(index, "a boolean");
  return value->get<bool>();
}

Result<std::string> Params::String(size_t index) const {
  auto value = OptionalString(index);
  if (!value) return std::unexpected(value.error());
  if (!*value) return Missing(index);
  return **value;
}

Result<int64_t> Params::Int(size_t index, int64_t min, int64_t max) const {
  auto value = OptionalInt(index, min, max);
  if (!value) return std::unexpected(value.error());
  if (!*value) return Missing(index);
  return **value;
}

Result<bool> Params::Bool(size_t index) const {
  auto value = OptionalBool(index);
  if (!value) return std::unexpected(value.error());
  if (!*value) return Missing(index);
  return **value;
}

}  // namespace parthenon::rpc

namespace parthenon::rpc {

Result<crypto::Uint256> Params::Hash(size_t index) const {
  auto text = String(index);
  if (!text) return std::unexpected(text.error());
  auto hash = crypto::Uint256::FromHex(*text);
  if (!hash) {
    const std::string name = index < names_.size() ? std::string(names_[index]) : std::to_string(index);
    return MakeError(ErrorCode::kInvalidParameter, "parameter '" + name + "' must be 64 hex digits");
  }
  return *hash;
}

}  // namespace parthenon::rpc
