// The HTTP server under the attacks of issue 12, over real loopback sockets: each test mounts
// one attack and asserts that the server bounds it (an error status or a closed connection, no
// memory growth beyond a bound) and keeps answering an honest authenticated client meanwhile.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "rpc/http_server.h"
#include "rpc/json_limits.h"

namespace parthenon::rpc {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr size_t kMiB = 1024 * 1024;
constexpr size_t kRssGrowthBound = 64 * kMiB;

// Resident set size of this process (the server runs inside it), from /proc/self/status.
size_t ResidentBytes() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      size_t kib = 0;
      status >> kib;
      return kib * 1024;
    }
    status.ignore(1 << 12, '\n');
  }
  return 0;
}

// A blocking loopback TCP client that sends whatever bytes a test wants.
class RawClient {
 public:
  explicit RawClient(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    timeval timeout{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  int fd() const { return fd_; }

  // False once the server has closed (or reset) the connection, or after the send timeout.
  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(sent));
    }
    return true;
  }

  // Sends `total` bytes of `fill`, in 1 MiB pieces; how many were accepted before a failure.
  size_t SendFill(size_t total, char fill) {
    const std::string piece(kMiB, fill);
    size_t sent = 0;
    while (sent < total && Send(std::string_view(piece).substr(0, std::min(kMiB, total - sent)))) {
      sent += std::min(kMiB, total - sent);
    }
    return sent;
  }

  // Everything the server sends until it closes (or a reset, or the receive timeout).
  std::string ReadAll() {
    std::string out;
    char buffer[4096];
    for (ssize_t n; (n = ::recv(fd_, buffer, sizeof(buffer), 0)) > 0;) out.append(buffer, static_cast<size_t>(n));
    return out;
  }

  // True if the server has closed the connection (EOF or reset); does not block.
  bool ClosedByServer() {
    char byte;
    const ssize_t n = ::recv(fd_, &byte, 1, MSG_DONTWAIT | MSG_PEEK);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

 private:
  int fd_;
  bool connected_ = false;
};

class HttpLimitsTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions options) {
    dispatcher_.Register({.name = "echo", .arguments = "value", .description = "Echoes.",
                          .handler = [](const nlohmann::json& params) -> Result<nlohmann::json> {
                            return params.empty() ? nlohmann::json(nullptr) : params[0];
                          }});
    options.credentials = credentials_;
    server_ = std::make_unique<HttpServer>(std::move(options), dispatcher_);
    server_->AddGet("/metrics", [] { return HttpResponse{.content_type = "text/plain", .body = "up 1\n"}; });
    auto port = server_->Start();
    ASSERT_TRUE(port.has_value()) << port.error();
    port_ = *port;
  }

  std::unique_ptr<httplib::Client> Client() const {
    auto client = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client->set_connection_timeout(5s);
    client->set_read_timeout(5s);
    client->set_write_timeout(5s);
    return client;
  }

  // An authenticated JSON-RPC call and a /metrics scrape, both answered correctly.
  bool HonestCallsSucceed() const {
    auto client = Client();
    const httplib::Headers auth{{"Authorization", BasicAuthorization(credentials_)}};
    auto rpc = client->Post("/", auth, R"({"jsonrpc":"2.0","method":"echo","params":["hi"],"id":7})", "application/json");
    if (!rpc || rpc->status != 200 || nlohmann::json::parse(rpc->body)["result"] != "hi") return false;
    auto metrics = client->Get("/metrics", auth);
    return metrics && metrics->status == 200 && metrics->body == "up 1\n";
  }

  std::string AuthorizationLine() const { return "Authorization: " + BasicAuthorization(credentials_) + "\r\n"; }

  const Credentials credentials_{"user", "secret"};
  Dispatcher dispatcher_;
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
};

// The answer a refused request got: a status line with `status`, or nothing (closed first).
void ExpectRefusedWith(const std::string& answer, const std::string& status) {
  ::testing::Test::RecordProperty("answer", answer.empty() ? std::string("(closed)") : answer.substr(0, answer.find('\r')));
  if (!answer.empty()) {
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 " + status)) << answer.substr(0, 80);
  }
}

// Opens a connection, sends `head`, then `flood` bytes of `fill` (stopping when the server
// closes), and reads the answer; records the process's RSS around it.
struct FloodOutcome {
  std::string answer;
  size_t flood_bytes_sent = 0;
  size_t rss_growth = 0;
};
FloodOutcome Flood(uint16_t port, std::string_view head, size_t flood, char fill) {
  const size_t before = ResidentBytes();
  RawClient attacker(port);
  EXPECT_TRUE(attacker.connected());
  EXPECT_TRUE(attacker.Send(head));
  FloodOutcome outcome{.flood_bytes_sent = attacker.SendFill(flood, fill)};
  outcome.answer = attacker.ReadAll();
  const size_t after = ResidentBytes();
  outcome.rss_growth = after - std::min(after, before);
  ::testing::Test::RecordProperty("rss_before_kib", std::to_string(before / 1024));
  ::testing::Test::RecordProperty("rss_after_kib", std::to_string(after / 1024));
  ::testing::Test::RecordProperty("flood_bytes_sent_before_close", std::to_string(outcome.flood_bytes_sent));
  return outcome;
}

TEST_F(HttpLimitsTest, HugeContentLengthIsRefusedBeforeTheBodyAndBeforeAuthentication) {
  Start({});
  const FloodOutcome outcome =
      Flood(port_, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n", 1024 * kMiB, '[');
  ExpectRefusedWith(outcome.answer, "413");
  EXPECT_LT(outcome.flood_bytes_sent, 1024 * kMiB) << "the server read the whole body";
  EXPECT_LT(outcome.rss_growth, kRssGrowthBound);
  EXPECT_TRUE(HonestCallsSucceed());
}

TEST_F(HttpLimitsTest, HugeRequestLineIsRefusedWithoutBufferingIt) {
  Start({});
  const FloodOutcome outcome = Flood(port_, "GET /", 512 * kMiB, 'a');
  ExpectRefusedWith(outcome.answer, "414");
  EXPECT_LT(outcome.flood_bytes_sent, 512 * kMiB);
  EXPECT_LT(outcome.rss_growth, kRssGrowthBound);
  EXPECT_TRUE(HonestCallsSucceed());
}

TEST_F(HttpLimitsTest, TooManyOrTooLargeHeadersGet431) {
  Start({});
  {
    RawClient many(port_);
    std::string head = "GET /metrics HTTP/1.1\r\n" + AuthorizationLine();
    for (int i = 0; i < 100; ++i) head += "X-" + std::to_string(i) + ": y\r\n";
    ASSERT_TRUE(many.Send(head + "\r\n"));
    ExpectRefusedWith(many.ReadAll(), "431");
  }
  const FloodOutcome endless = Flood(port_, "GET /metrics HTTP/1.1\r\nX-Endless: ", 256 * kMiB, 'b');
  ExpectRefusedWith(endless.answer, "431");
  EXPECT_LT(endless.rss_growth, kRssGrowthBound);
  EXPECT_TRUE(HonestCallsSucceed());
}

TEST_F(HttpLimitsTest, TricklersAreDisconnectedWhileHonestCallsSucceed) {
  // Fewer threads than tricklers: a trickler must never hold a thread.
  Start({.threads = 2, .request_head_timeout = 1000ms});
  std::vector<std::unique_ptr<RawClient>> tricklers;
  for (int i = 0; i < 8; ++i) {
    tricklers.push_back(std::make_unique<RawClient>(port_));
    ASSERT_TRUE(tricklers.back()->connected());
  }
  const std::string head = "POST / HTTP/1.1\r\nHost: x\r\n" + AuthorizationLine();
  size_t honest_rounds = 0;
  bool all_closed = false;
  const auto give_up = Clock::now() + 15s;
  for (size_t offset = 0; !all_closed && Clock::now() < give_up; ++offset) {
    all_closed = true;
    for (auto& trickler : tricklers) {
      if (trickler->ClosedByServer()) continue;
      all_closed = false;
      trickler->Send(head.substr(offset % head.size(), 1));
    }
    if (!all_closed) {
      EXPECT_TRUE(HonestCallsSucceed()) << "while 8 clients trickle";
      ++honest_rounds;
    }
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(all_closed) << "a trickler was never cut off";
  EXPECT_GE(honest_rounds, 1u);
  EXPECT_TRUE(HonestCallsSucceed());
}

TEST_F(HttpLimitsTest, FailedAuthenticationIsDelayedWithoutTyingUpThreads) {
  Start({.threads = 1});
  const httplib::Headers wrong{{"Authorization", BasicAuthorization({"user", "guess"})}};
  const auto start = Clock::now();
  auto response = Client()->Post("/", wrong, R"({"method":"echo","id":1})", "application/json");
  const auto one = Clock::now() - start;
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 401);
  EXPECT_GE(one, 250ms);

  // 16 guesses at once are answered at most 4 per 250 ms: the last waits >= 250 + 15 * 62.5 ms.
  // Meanwhile the single server thread still serves an honest client.
  std::atomic<int> refused{0};
  std::vector<std::thread> guessers;
  const auto burst_start = Clock::now();
  for (int i = 0; i < 16; ++i) {
    guessers.emplace_back([&] {
      auto answer = Client()->Get("/metrics", wrong);
      if (answer && answer->status == 401) ++refused;
    });
  }
  std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(HonestCallsSucceed()) << "while 16 guesses wait out their delay";
  for (std::thread& guesser : guessers) guesser.join();
  const auto burst = Clock::now() - burst_start;
  EXPECT_EQ(refused, 16);
  EXPECT_GE(burst, 1000ms);
  RecordProperty("burst_of_16_failures_ms",
                 std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(burst).count()));
}

TEST_F(HttpLimitsTest, DeepNestingGetsAJsonRpcErrorAndTheServerSurvives) {
  Start({});
  const std::string body = R"({"jsonrpc":"2.0","method":"echo","id":1,"params":)" + std::string(100'000, '[') +
                           std::string(100'000, ']') + "}";
  auto response = Client()->Post("/", {{"Authorization", BasicAuthorization(credentials_)}}, body, "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  const nlohmann::json error = nlohmann::json::parse(response->body)["error"];
  EXPECT_EQ(error["code"], -32700);
  EXPECT_NE(error["message"].get<std::string>().find(std::to_string(kMaxJsonDepth)), std::string::npos);
  EXPECT_TRUE(HonestCallsSucceed());
}

TEST_F(HttpLimitsTest, AtTheConnectionCapIdleConnectionsMakeRoom) {
  Start({.max_connections = 4});
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(std::make_unique<RawClient>(port_));
    ASSERT_TRUE(idle.back()->connected());
  }
  std::this_thread::sleep_for(100ms);  // let the server admit them
  EXPECT_TRUE(HonestCallsSucceed());
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(idle.front()->ClosedByServer()) << "the oldest idle connection should have been evicted";
}

TEST_F(HttpLimitsTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  Start({});
  RawClient client(port_);
  const std::string request = "GET /metrics HTTP/1.1\r\nHost: x\r\n" + AuthorizationLine() + "\r\n";
  ASSERT_TRUE(client.Send(request + request + "GET /metrics HTTP/1.1\r\nConnection: close\r\n" +
                          AuthorizationLine() + "\r\n"));
  const std::string answers = client.ReadAll();
  size_t count = 0;
  for (size_t at = answers.find("HTTP/1.1 200 OK"); at != std::string::npos; at = answers.find("HTTP/1.1 200 OK", at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 3u);
}

TEST_F(HttpLimitsTest, ExpectContinueIsAnsweredAfterAuthenticationOnly) {
  Start({});
  const std::string body = R"({"jsonrpc":"2.0","method":"echo","params":[2],"id":1})";
  const std::string head = "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n";
  RawClient client(port_);
  ASSERT_TRUE(client.Send(head + AuthorizationLine() + "\r\n"));
  char interim[64] = {};
  ASSERT_GT(::recv(client.fd(), interim, sizeof(interim) - 1, 0), 0);
  EXPECT_EQ(std::string(interim), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(client.Send(body));
  char answer[512] = {};
  ASSERT_GT(::recv(client.fd(), answer, sizeof(answer) - 1, 0), 0);
  EXPECT_TRUE(std::string(answer).starts_with("HTTP/1.1 200 OK"));

  RawClient stranger(port_);
  ASSERT_TRUE(stranger.Send(head + "\r\n"));
  ExpectRefusedWith(stranger.ReadAll(), "401");
}

}  // namespace
}  // namespace parthenon::rpc
