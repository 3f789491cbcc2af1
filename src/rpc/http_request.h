// Sans-I/O parsing of an HTTP/1.x request head (request line + header fields), with the limits
// that bound what one request may make the server hold. The server reads bytes into a buffer of
// at most `HttpLimits::max_head_bytes` and calls ParseRequestHead() on it after every read; a
// limit is reported as soon as the bytes prove it is exceeded, so no line is ever buffered whole.
//
// Only what JSON-RPC clients need is understood: Content-Length bodies (no Transfer-Encoding),
// keep-alive, Expect: 100-continue. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parthenon::rpc {

struct HttpLimits {
  size_t max_request_line = 8 * 1024;  // "POST / HTTP/1.1", without CRLF
  size_t max_header_count = 64;
  size_t max_head_bytes = 16 * 1024;  // request line, header fields and the blank line
  size_t max_body_bytes = 4 * 1024 * 1024;
};

enum class HttpError {
  kBadRequest,          // 400: malformed request line or header field
  kLengthRequired,      // 411: a body without Content-Length
  kPayloadTooLarge,     // 413: Content-Length above max_body_bytes
  kUriTooLong,          // 414: request line above max_request_line
  kHeadersTooLarge,     // 431: too many header fields, or the head above max_head_bytes
  kNotImplemented,      // 501: Transfer-Encoding (chunked bodies are not accepted)
  kVersionNotSupported, // 505: not HTTP/1.0 or HTTP/1.1
};

// The HTTP status code and its reason phrase, e.g. 413 "Payload Too Large".
int StatusCode(HttpError error);
std::string_view ToString(HttpError error);
// The reason phrase of every status the server sends ("Error" for others).
std::string_view ReasonPhrase(int status);

struct HttpRequestHead {
  std::string method;
  std::string target;
  int minor_version = 1;  // HTTP/1.<minor_version>
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, values trimmed
  size_t head_bytes = 0;      // bytes of the buffer the head took, blank line included
  size_t content_length = 0;  // <= max_body_bytes
  bool keep_alive = true;     // HTTP/1.1 unless "Connection: close"; 1.0 only with keep-alive
  bool expect_continue = false;

  // The value of the first header named `lower_case_name`; the view lives as long as *this.
  std::optional<std::string_view> Header(std::string_view lower_case_name) const;
};

// The head at the start of `buffer`: nullopt if it is incomplete and the limits allow more
// bytes, the parsed head once the blank line is in, or why the request is refused. Empty lines
// before the request line are skipped (RFC 9112 §2.2). Never reads past the blank line: bytes
// after head_bytes belong to the body or to the next request.
[[nodiscard]] std::expected<std::optional<HttpRequestHead>, HttpError> ParseRequestHead(
    std::string_view buffer, const HttpLimits& limits);

}  // namespace parthenon::rpc
