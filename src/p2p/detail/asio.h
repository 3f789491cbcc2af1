// Internal: the one place the p2p layer includes Asio, plus endpoint conversions.
// Only .cpp files of src/p2p include this header.
#pragma once

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>

#include "p2p/wire/net_address.h"

namespace parthenon::p2p::detail {

using tcp = asio::ip::tcp;
using Strand = asio::strand<asio::any_io_executor>;
using SteadyTime = std::chrono::steady_clock::time_point;
inline constexpr auto kAsTuple = asio::experimental::as_tuple(asio::use_awaitable);

wire::NetAddress ToNetAddress(const tcp::endpoint& endpoint);
tcp::endpoint ToEndpoint(const wire::NetAddress& address);
// 127.0.0.0/8, ::1 and their IPv4-mapped forms.
bool IsLoopback(const wire::NetAddress& address);

}  // namespace parthenon::p2p::detail
