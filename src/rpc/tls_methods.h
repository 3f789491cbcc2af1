// RPC methods of the TLS transport (docs/tls.md): gettlsinfo and regeneratecert, plus the JSON
// and metrics pieces the node's getpeerinfo and /metrics add for TLS. Handlers are thread-safe
// (they only call thread-safe NetworkManager methods).
#pragma once

#include <nlohmann/json.hpp>

#include "p2p/network_manager.h"
#include "rpc/dispatcher.h"
#include "rpc/metrics.h"

namespace parthenon::rpc {

// Registers:
//   gettlsinfo                → {mode, certificate{subject, issuer, fingerprint, valid_from,
//                                valid_until, expired, expiring_soon, cert_file, key_file},
//                                rotations, verify_ca, pins}
//   regeneratecert [days=365] → writes a new self-signed key and certificate over the current
//                                (self-signed) files and loads it at once; refuses to overwrite
//                                a certificate issued by someone else.
// REQUIRES: `network` outlives the dispatcher's use of the methods.
void RegisterTlsMethods(Dispatcher& dispatcher, p2p::NetworkManager& network);

// The TLS fields of one getpeerinfo entry: encrypted, tls_version, tls_cipher,
// peer_key_fingerprint (the last three only when encrypted).
nlohmann::json TlsPeerJson(const p2p::PeerInfo& peer);

// parthenon_tls_certificate_expiry_timestamp_seconds, parthenon_tls_certificate_expiring_soon,
// parthenon_tls_certificate_rotations_total (nothing when TLS is off).
void WriteTlsMetrics(MetricsWriter& out, const p2p::transport::TlsStatus& status);

}  // namespace parthenon::rpc
