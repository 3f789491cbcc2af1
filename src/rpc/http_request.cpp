#include "rpc/http_request.h"

#include <algorithm>
#include <cctype>

namespace parthenon::rpc {
namespace {

using ParseResult = std::expected<std::optional<HttpRequestHead>, HttpError>;

struct RequestLine {
  std::string_view method;
  std::string_view target;
  int minor_version;
};

bool IsTokenChar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), IsTokenChar);
}

bool IsControl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Takes the next line off the front of `rest` (terminator CRLF or a bare LF, not included);
// nullopt, leaving `rest` alone, while no LF has arrived.
std::optional<std::string_view> NextLine(std::string_view& rest) {
  const size_t lf = rest.find('\n');
  if (lf == std::string_view::npos) return std::nullopt;
  std::string_view line = rest.substr(0, lf);
  rest.remove_prefix(lf + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

std::expected<RequestLine, HttpError> ParseRequestLine(std::string_view line) {
  const size_t first = line.find(' ');
  const size_t second = first == std::string_view::npos ? first : line.find(' ', first + 1);
  if (second == std::string_view::npos) return std::unexpected(HttpError::kBadRequest);
  const std::string_view method = line.substr(0, first);
  const std::string_view target = line.substr(first + 1, second - first - 1);
  const std::string_view version = line.substr(second + 1);
  const bool target_ok = !target.empty() && std::none_of(target.begin(), target.end(), [](char c) {
    return c == ' ' || IsControl(c);
  });
  if (!IsToken(method) || !target_ok || !version.starts_with("HTTP/")) {
    return std::unexpected(HttpError::kBadRequest);
  }
  if (version == "HTTP/1.1") return RequestLine{method, target, 1};
  if (version == "HTTP/1.0") return RequestLine{method, target, 0};
  return std::unexpected(HttpError::kVersionNotSupported);
}

std::expected<std::pair<std::string, std::string>, HttpError> ParseHeaderField(std::string_view line) {
  // A line starting with white space would be obsolete line folding (RFC 9112 §5.2): refused.
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || !IsToken(line.substr(0, colon))) {
    return std::unexpected(HttpError::kBadRequest);
  }
  const std::string_view value = Trim(line.substr(colon + 1));
  if (std::any_of(value.begin(), value.end(), [](char c) { return IsControl(c) && c != '\t'; })) {
    return std::unexpected(HttpError::kBadRequest);
  }
  return std::pair{Lower(line.substr(0, colon)), std::string(value)};
}

std::expected<size_t, HttpError> ParseContentLength(std::string_view value, size_t max_body_bytes) {
  if (value.empty() || !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::unexpected(HttpError::kBadRequest);
  }
  size_t length = 0;
  for (const char digit : value) {
    length = length * 10 + static_cast<size_t>(digit - '0');
    // Stops before overflow: max_body_bytes is far below SIZE_MAX / 10.
    if (length > max_body_bytes) return std::unexpected(HttpError::kPayloadTooLarge);
  }
  return length;
}

// Content-Length, Transfer-Encoding, Connection and Expect: what the server acts on.
std::expected<void, HttpError> ApplyFields(HttpRequestHead& head, const HttpLimits& limits) {
  std::optional<std::string_view> length;
  for (const auto& [name, value] : head.headers) {
    if (name == "transfer-encoding") return std::unexpected(HttpError::kNotImplemented);
    if (name == "content-length") {
      // Differing lengths are a request-smuggling signature (RFC 9112 §6.3).
      if (length && *length != value) return std::unexpected(HttpError::kBadRequest);
      length = value;
    } else if (name == "connection") {
      const std::string tokens = Lower(value);
      if (tokens.find("close") != std::string::npos) head.keep_alive = false;
      if (head.minor_version == 0 && tokens.find("keep-alive") != std::string::npos) head.keep_alive = true;
    } else if (name == "expect") {
      head.expect_continue = Lower(value) == "100-continue";
    }
  }
  if (length) {
    auto parsed = ParseContentLength(*length, limits.max_body_bytes);
    if (!parsed) return std::unexpected(parsed.error());
    head.content_length = *parsed;
  } else if (head.method == "POST" || head.method == "PUT") {
    return std::unexpected(HttpError::kLengthRequired);
  }
  return {};
}

}  // namespace

int StatusCode(HttpError error) {
  switch (error) {
    case HttpError::kBadRequest: return 400;
    case HttpError::kLengthRequired: return 411;
    case HttpError::kPayloadTooLarge: return 413;
    case HttpError::kUriTooLong: return 414;
    case HttpError::kHeadersTooLarge: return 431;
    case HttpError::kNotImplemented: return 501;
    case HttpError::kVersionNotSupported: return 505;
  }
  return 400;
}

std::string_view ToString(HttpError error) { return ReasonPhrase(StatusCode(error)); }

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
  }
}

std::optional<std::string_view> HttpRequestHead::Header(std::string_view lower_case_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_case_name) return std::string_view(value);
  }
  return std::nullopt;
}

ParseResult ParseRequestHead(std::string_view buffer, const HttpLimits& limits) {
  std::string_view rest = buffer;
  while (rest.starts_with("\r\n") || rest.starts_with('\n')) rest.remove_prefix(rest[0] == '\r' ? 2 : 1);
  const auto request_line = NextLine(rest);
  if (!request_line) {
    // The line so far, less a CR that may precede the LF, is already over the limit.
    if (rest.size() > limits.max_request_line + 1) return std::unexpected(HttpError::kUriTooLong);
    if (buffer.size() > limits.max_head_bytes) return std::unexpected(HttpError::kHeadersTooLarge);
    return std::nullopt;
  }
  if (request_line->size() > limits.max_request_line) return std::unexpected(HttpError::kUriTooLong);
  auto parsed_line = ParseRequestLine(*request_line);
  if (!parsed_line) return std::unexpected(parsed_line.error());

  HttpRequestHead head{.method = std::string(parsed_line->method),
                       .target = std::string(parsed_line->target),
                       .minor_version = parsed_line->minor_version};
  head.keep_alive = head.minor_version == 1;
  for (;;) {
    const auto line = NextLine(rest);
    if (!line) {
      // No blank line yet: everything in the buffer is head.
      if (buffer.size() > limits.max_head_bytes) return std::unexpected(HttpError::kHeadersTooLarge);
      return std::nullopt;
    }
    if (line->empty()) break;
    if (head.headers.size() >= limits.max_header_count) return std::unexpected(HttpError::kHeadersTooLarge);
    auto field = ParseHeaderField(*line);
    if (!field) return std::unexpected(field.error());
    head.headers.push_back(std::move(*field));
  }
  head.head_bytes = buffer.size() - rest.size();
  if (head.head_bytes > limits.max_head_bytes) return std::unexpected(HttpError::kHeadersTooLarge);
  if (auto applied = ApplyFields(head, limits); !applied) return std::unexpected(applied.error());
  return head;
}

}  // namespace parthenon::rpc
