// Timeouts and limits of the network manager (DESIGN.md §3), in one place. Every value is the
// default of a NetworkManager::Options field, so tests and operators can override it.
// Header-only constants; thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace parthenon::p2p {

using namespace std::chrono_literals;

// A peer must complete VERSION/VERACK within this long after the TCP connection opens.
inline constexpr std::chrono::milliseconds kHandshakeTimeout = 60s;
// We send a `ping` with a fresh nonce this often on an established link.
inline constexpr std::chrono::milliseconds kPingInterval = 2min;
// No byte received for this long: disconnect.
inline constexpr std::chrono::milliseconds kInactivityTimeout = 20min;
// A `ping` not answered within this long: disconnect (Bitcoin Core uses the inactivity timeout).
inline constexpr std::chrono::milliseconds kPingTimeout = 20min;
// A single socket write (one batch of queued frames) pending longer than this: the peer stopped
// reading; disconnect.
inline constexpr std::chrono::milliseconds kWriteTimeout = 2min;
// An outbound TCP connect pending longer than this fails.
inline constexpr std::chrono::milliseconds kConnectTimeout = 10s;
// Retry delays for --addnode/--connect targets: doubling from the first to the cap.
inline constexpr std::chrono::milliseconds kRetryInitialDelay = 1s;
inline constexpr std::chrono::milliseconds kRetryMaxDelay = 5min;
// A manual target that turned out to follow another chain: redialled only this often.
inline constexpr std::chrono::milliseconds kWrongChainRetryDelay = 1h;
// Stop(): sessions get this long to close cleanly before the I/O threads are stopped.
inline constexpr std::chrono::milliseconds kShutdownGrace = 2s;

// Connection limits.
inline constexpr size_t kMaxConnections = 125;
inline constexpr size_t kMaxOutbound = 8;
// Outbound block-relay-only links beyond the kMaxOutbound full-relay ones (Bitcoin Core's 2).
inline constexpr size_t kMaxBlockRelayOnly = 2;
// Mean time between feeler connections (Poisson process, as Core's FEELER_INTERVAL).
inline constexpr std::chrono::milliseconds kFeelerInterval{120'000};
inline constexpr size_t kMaxInbound = 117;
inline constexpr size_t kMaxInboundPerIp = 3;

// Per-peer send queue cap: whichever is reached first. A block is at most ~4 MB, so the byte
// cap holds a couple of them; the message cap bounds bookkeeping for tiny messages.
inline constexpr size_t kMaxSendQueueBytes = 8 * 1024 * 1024;
inline constexpr size_t kMaxSendQueueMessages = 10'000;

// Receive rate limit (token buckets per peer) of UNSOLICITED traffic: responses to our own
// requests (block/tx per getdata entry, headers per getheaders, pong) are not charged, and
// requests from the peer (getdata, getheaders, getblocks, mempool, getaddr) are shaped by the
// send queue instead (reading pauses while our queue to the peer is above half its byte cap,
// as Bitcoin Core's fPauseSend). Over budget, reading pauses (TCP backpressure).
inline constexpr double kMaxMessagesPerSecond = 100;
inline constexpr double kMessageBurst = 500;
inline constexpr double kMaxBytesPerSecond = 16.0 * 1024 * 1024;
inline constexpr double kByteBurst = 32.0 * 1024 * 1024;
// A peer that spends more than this fraction of a window throttled is reported (kRateLimited:
// the first report is a warning, the second discourages; see policy.cpp).
inline constexpr std::chrono::milliseconds kRateAbuseWindow = 60s;
inline constexpr double kRateAbuseFraction = 0.5;

// A message whose payload is still arriving after this long plus its length at the minimum rate
// below is dropped with its peer (a stalled partial payload holds memory: seconds, not the
// inactivity timeout). A 4 MB block gets 10 s + 40 s.
inline constexpr std::chrono::milliseconds kPartialPayloadTimeout = 10s;
inline constexpr double kMinPayloadBytesPerSecond = 100'000;
// Payload bytes buffered by all sessions together (partial messages). Above it, sessions in the
// middle of a payload pause reading until others finish or time out.
inline constexpr size_t kMaxBufferedPayloadBytes = 64 * 1024 * 1024;
// Bitcoin Core's fPauseSend: the reader stops taking a peer's requests while our queue to it
// holds more than this, and resumes below a quarter of it.
inline constexpr size_t kPauseReadingSendBytes = 512 * 1024;

// Bytes read from the socket per read call (the session's only fixed-size buffer).
inline constexpr size_t kReadBufferSize = 8 * 1024;

}  // namespace parthenon::p2p
