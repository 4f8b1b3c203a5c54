// `vigil serve`'s engine room: a Boost.Asio TCP server (optionally TLS) for
// the protocol of firmware-interface/vigil/fi/service.h. Each connection
// first passes the Ed25519 handshake (an allowlisted key, a valid proof)
// before a single signature of its is verified; then its pipelined VERIFY
// requests go through the per-key quota (signatures per second, requests
// in flight) into the shared Coalescer and are answered out of order.
// Bad input is answered and counted; a malformed request closes only its
// own connection.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "drivers/accel/accelerator.hpp"
#include "host/service/coalescer.hpp"
#include "host/service/keys.hpp"
#include "host/service/metrics.hpp"
#include "host/service/wire.hpp"

namespace vigil::service {

struct ServerOptions {
  std::string listen = "127.0.0.1:0";  // HOST:PORT; port 0 picks one (see Server::port)
  crypto::Keypair key;
  Allowlist allow;
  Limits limits;
  CoalescerOptions coalescer;
  unsigned max_connections = 1024;
  unsigned io_threads = 1;
  std::chrono::milliseconds handshake_timeout{VIGIL_SVC_HANDSHAKE_TIMEOUT_MS};
  std::chrono::milliseconds read_timeout{VIGIL_SVC_READ_TIMEOUT_MS};
  std::string tls_cert, tls_key;  // PEM files; both set: TLS on every connection
};

// Counters the tests read (the metrics endpoint has the same, labelled).
struct ServerStats {
  uint64_t connections = 0, authenticated = 0;
  uint64_t unauthenticated = 0, wrong_proof = 0, bad_handshake = 0, handshake_timeout = 0;
  uint64_t malformed = 0, too_large = 0, overloaded = 0, quota = 0, deadline = 0;
  uint64_t verified_requests = 0, verified_signatures = 0;
  uint64_t idle_timeout = 0, read_timeout = 0, dropped_by_reload = 0;
};

class Server {
 public:
  // Binds and starts serving on io_threads threads; null and *error when
  // the address, the TLS files or the options are bad.
  static std::unique_ptr<Server> start(accel::Accelerator& engine, ServerOptions opts,
                                       std::string* error);
  ~Server();  // stops accepting, closes connections, answers what is queued
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;
  // Replaces the allowlist: connections of keys that remain stay open with
  // their new quota; those of removed keys are closed.
  void reload(Allowlist allow);
  ServerStats stats() const;
  ServiceMetrics& metrics();
  CoalescerStats coalescer_stats() const;

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::service
