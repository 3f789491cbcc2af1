// Internal: the transport step of a session, between TCP connect/accept and VERSION. Decides
// plaintext or TLS (inbound: from the first byte the peer sends — 0x16 is a TLS handshake
// record, a network magic is plaintext; outbound: from the mode and whether the peer is known
// to advertise NODE_TLS), runs the TLS handshake under the handshake deadline, verifies and
// pins the peer, and records the link's details in the PeerHandle.
#pragma once

#include "p2p/detail/manager.h"
#include "p2p/transport/stream.h"

namespace parthenon::p2p::detail {

// Runs on h.strand. Returns Ending{} (reason kNone) when the stream is ready for VERSION.
asio::awaitable<Ending> NegotiateTransport(NetworkManager::Impl& manager, PeerHandle& h,
                                           transport::PeerStream& stream);

}  // namespace parthenon::p2p::detail
