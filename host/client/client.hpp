// The accelerator service's client (C++; the C ABI in vigil_client.h wraps
// it). It holds connections to a list of servers, authenticates with the
// client's Ed25519 key, pipelines requests, balances them round robin over
// the healthy servers, fails over when one is down, overloaded or silent
// (PING heartbeats), reconnects with exponential backoff, and, when no
// server answers within a request's deadline, verifies on the local CPU
// engine (counted), so every call gets a verdict.
//
// Threads: one I/O thread per Client and one local-fallback thread.
// Callbacks of verify_async run on one of them and must not block.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "host/crypto/ed25519.hpp"

namespace vigil::client {

struct ClientOptions {
  std::vector<std::string> servers;  // HOST:PORT, numeric or localhost
  crypto::Keypair key;
  std::chrono::milliseconds deadline{2000};  // per request unless a call says otherwise
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds backoff_min{20}, backoff_max{2000};
  std::chrono::milliseconds heartbeat{500};  // PING period; two missed: the server is dead
  bool local_fallback = true;
  crypto::Engine local_engine = crypto::Engine::automatic;
  std::optional<crypto::PublicKey> server_key;  // when set, refuse a server with another key
  bool tls = false;
  std::string tls_ca;  // PEM file the server certificate must chain to (TLS only)
};

enum class Source : uint8_t { remote, local, none };

struct Result {
  vigil_error status = VIGIL_OK;  // VIGIL_OK: verdict and errors are filled
  Source source = Source::none;
  int server = -1;                // index into ClientOptions::servers, when remote
  std::vector<uint32_t> verdict;  // VIGIL_SVC_VERDICT_WORDS(count) words
  std::vector<uint8_t> errors;    // one enum vigil_error per item
  bool valid(uint32_t i) const { return (verdict[i / 32] >> (i % 32)) & 1u; }
};

struct ClientStats {
  uint64_t requests = 0, remote = 0, local_fallback = 0;
  uint64_t failovers = 0;   // a request moved to another server
  uint64_t overloaded = 0;  // OVERLOADED answers
  uint64_t timeouts = 0;    // deadlines that sent a request to the local engine
  uint64_t connects = 0, connect_failures = 0, refused_handshakes = 0, dead_by_heartbeat = 0;
};

class Client {
 public:
  using Callback = std::function<void(Result&&)>;
  static constexpr std::chrono::milliseconds use_default{0};

  // Null and *error when a server address or the options are bad. Connects
  // lazily: a server that is down now is tried again later.
  static std::unique_ptr<Client> open(ClientOptions opts, std::string* error);
  ~Client();  // call it after every verify has returned
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Copies `items` at once (the caller's buffers may go when it returns).
  void verify_async(std::span<const crypto::VerifyItem> items, crypto::Rules rules, Callback done,
                    std::chrono::milliseconds deadline = use_default);
  Result verify(std::span<const crypto::VerifyItem> items, crypto::Rules rules,
                std::chrono::milliseconds deadline = use_default);
  ClientStats stats() const;
  // Servers connected and authenticated now.
  size_t connected() const;

  struct Impl;

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::client
