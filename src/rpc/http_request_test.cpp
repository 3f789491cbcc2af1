#include "rpc/http_request.h"

#include <gtest/gtest.h>

#include <string>

namespace parthenon::rpc {
namespace {

const HttpLimits kLimits{.max_request_line = 64, .max_header_count = 4, .max_head_bytes = 256, .max_body_bytes = 100};

std::expected<std::optional<HttpRequestHead>, HttpError> Parse(const std::string& text) {
  return ParseRequestHead(text, kLimits);
}

HttpError ErrorOf(const std::string& text) {
  auto parsed = Parse(text);
  EXPECT_FALSE(parsed.has_value()) << text;
  return parsed ? HttpError::kBadRequest : parsed.error();
}

TEST(HttpRequest, ParsesAHeadAndStopsAtTheBlankLine) {
  const std::string text = "\r\nPOST /?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length:  5 \r\nAuthorization: Basic eA==\r\n\r\nhello";
  auto parsed = Parse(text);
  ASSERT_TRUE(parsed.has_value());
  ASSERT_TRUE(parsed->has_value());
  const HttpRequestHead& head = **parsed;
  EXPECT_EQ(head.method, "POST");
  EXPECT_EQ(head.target, "/?x=1");
  EXPECT_EQ(head.content_length, 5u);
  EXPECT_EQ(head.head_bytes, text.size() - 5);
  EXPECT_TRUE(head.keep_alive);
  EXPECT_EQ(head.Header("authorization"), "Basic eA==");
  EXPECT_EQ(head.Header("content-length"), "5");
}

TEST(HttpRequest, IncompleteHeadsWaitForMoreBytes) {
  for (const std::string text : {"", "GE", "GET / HTTP/1.1\r\n", "GET / HTTP/1.1\r\nHost: a\r\n\r"}) {
    auto parsed = Parse(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_FALSE(parsed->has_value()) << text;
  }
}

TEST(HttpRequest, ConnectionSemantics) {
  EXPECT_FALSE((*Parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"))->keep_alive);
  EXPECT_FALSE((*Parse("GET / HTTP/1.0\r\n\r\n"))->keep_alive);
  EXPECT_TRUE((*Parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"))->keep_alive);
  EXPECT_TRUE((*Parse("POST / HTTP/1.1\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\n"))->expect_continue);
}

TEST(HttpRequest, LimitsAreReportedBeforeTheLineEnds) {
  // No CRLF yet, but already longer than a request line may be: 414 without waiting.
  EXPECT_EQ(ErrorOf("GET /" + std::string(70, 'a')), HttpError::kUriTooLong);
  EXPECT_EQ(ErrorOf("GET /" + std::string(70, 'a') + " HTTP/1.1\r\n\r\n"), HttpError::kUriTooLong);
  // One endless header line: 431 once the buffer passes max_head_bytes.
  EXPECT_EQ(ErrorOf("GET / HTTP/1.1\r\nX: " + std::string(300, 'a')), HttpError::kHeadersTooLarge);
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 5; ++i) many += "X-" + std::to_string(i) + ": y\r\n";
  EXPECT_EQ(ErrorOf(many + "\r\n"), HttpError::kHeadersTooLarge);
  // Content-Length is refused from the head alone, however many digits it has.
  EXPECT_EQ(ErrorOf("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n"), HttpError::kPayloadTooLarge);
  EXPECT_EQ(ErrorOf("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999999\r\n\r\n"),
            HttpError::kPayloadTooLarge);
}

TEST(HttpRequest, MalformedHeadsAreRefused) {
  EXPECT_EQ(ErrorOf("GET /\r\n\r\n"), HttpError::kBadRequest);
  EXPECT_EQ(ErrorOf("GET / HTTP/2.0\r\n\r\n"), HttpError::kVersionNotSupported);
  EXPECT_EQ(ErrorOf("G(T / HTTP/1.1\r\n\r\n"), HttpError::kBadRequest);
  EXPECT_EQ(ErrorOf("GET / HTTP/1.1\r\nNoColon\r\n\r\n"), HttpError::kBadRequest);
  EXPECT_EQ(ErrorOf("GET / HTTP/1.1\r\nName : v\r\n\r\n"), HttpError::kBadRequest);
  EXPECT_EQ(ErrorOf("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n"), HttpError::kBadRequest);
  EXPECT_EQ(ErrorOf("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"), HttpError::kBadRequest);
  EXPECT_EQ(ErrorOf("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), HttpError::kBadRequest);
  EXPECT_EQ(ErrorOf("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"), HttpError::kNotImplemented);
  EXPECT_EQ(ErrorOf("POST / HTTP/1.1\r\n\r\n"), HttpError::kLengthRequired);
  EXPECT_EQ(StatusCode(HttpError::kHeadersTooLarge), 431);
  EXPECT_EQ(ToString(HttpError::kPayloadTooLarge), "Payload Too Large");
}

}  // namespace
}  // namespace parthenon::rpc
