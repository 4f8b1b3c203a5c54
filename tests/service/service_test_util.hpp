// Helpers of the service suites: an in-process server on a cpu engine, a
// `vigil serve` child process (for kill -9 and RSS), raw protocol
// connections that do what the client library never would, and the
// in-process verdicts every answer is held to.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "drivers/accel/accelerator.hpp"
#include "host/crypto/sig_jsonl.hpp"
#include "host/service/server.hpp"
#include "tests/kernels/ed25519_cases.hpp"

namespace vigil::test {

namespace asio = boost::asio;
using asio::ip::tcp;

inline std::vector<crypto::VerifyItem> as_items(const std::vector<SigCase>& cases) {
  std::vector<crypto::VerifyItem> v;
  for (const auto& c : cases) v.push_back({c.pk.data(), c.sig.data(), c.msg});
  return v;
}

struct Expected {
  std::vector<uint32_t> verdict;
  std::vector<uint8_t> errors;
};

inline Expected in_process(std::span<const crypto::VerifyItem> items, crypto::Rules rules) {
  Expected e;
  e.verdict.assign(VIGIL_SVC_VERDICT_WORDS(items.size()), 0);
  e.errors.assign(items.size(), 0);
  crypto::verify_batch(items, rules, e.verdict, e.errors);
  return e;
}

inline crypto::Keypair key_of(uint8_t tag) {
  crypto::Seed s{};
  s.fill(tag);
  return crypto::keypair_from_seed(s);
}

inline std::string key_line(const crypto::Keypair& k) {
  return "{\"seed\":\"" + crypto::to_hex(k.seed.data(), 32) + "\",\"pk\":\"" +
         crypto::to_hex(k.public_key.data(), 32) + "\"}";
}

inline std::string temp_file(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name + "." + std::to_string(getpid());
  std::ofstream(path) << text;
  return path;
}

// A server on the cpu engine in this process.
struct LocalServer {
  std::unique_ptr<accel::Accelerator> engine;
  std::unique_ptr<service::Server> server;
  std::string address;

  explicit LocalServer(service::ServerOptions so, unsigned workers = 2) {
    accel::Options ao;
    ao.workers = workers;
    ao.max_in_flight = workers + 2;
    std::string why;
    engine = accel::make_accelerator("cpu", ao, &why);
    so.coalescer.flights = workers + 2;
    server = service::Server::start(*engine, std::move(so), &why);
    EXPECT_TRUE(server) << why;
    if (server) address = "127.0.0.1:" + std::to_string(server->port());
  }
};

#ifdef VIGIL_BIN
// `vigil serve` as a child process (suites built with VIGIL_BIN).
struct ChildServer {
  pid_t pid = -1;
  uint16_t port = 0;
  std::string address;

  ChildServer(const std::string& key_file, const std::string& allow_file,
              std::vector<std::string> extra = {}) {
    int out[2];
    if (pipe(out) != 0) return;
    pid = fork();
    if (pid == 0) {
      dup2(out[1], 1);
      close(out[0]);
      std::vector<std::string> args = {VIGIL_BIN,  "serve",  "--listen",  "127.0.0.1:0",
                                       "--key",    key_file, "--allow",   allow_file,
                                       "--engine", "cpu",    "--workers", "2"};
      args.insert(args.end(), extra.begin(), extra.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(VIGIL_BIN, argv.data());
      _exit(127);
    }
    close(out[1]);
    FILE* f = fdopen(out[0], "r");
    unsigned p = 0;
    if (f && std::fscanf(f, "listening %u", &p) == 1) port = uint16_t(p);
    if (f) std::fclose(f);
    address = "127.0.0.1:" + std::to_string(port);
  }
  ~ChildServer() { kill_now(); }
  void kill_now() {
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    pid = -1;
  }
  // Resident set size now and at its peak, in KiB (/proc/PID/status).
  std::pair<long, long> rss_kib() const {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    long rss = -1, hwm = -1;
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("VmRSS:", 0) == 0) rss = std::stol(line.substr(6));
      if (line.rfind("VmHWM:", 0) == 0) hwm = std::stol(line.substr(6));
    }
    return {rss, hwm};
  }
};
#endif

// A protocol connection by hand, blocking, for what the client library
// would never send.
struct RawConn {
  asio::io_context io;
  tcp::socket sock{io};
  vigil_svc_hello hello{};
  boost::system::error_code ec;

  explicit RawConn(uint16_t port) {
    sock.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    if (!ec) asio::read(sock, asio::buffer(&hello, sizeof(hello)), ec);
  }
  void send(const void* p, size_t n) { asio::write(sock, asio::buffer(p, n), ec); }
  void send(const std::vector<uint8_t>& v) { send(v.data(), v.size()); }
  // The next response (header and body); false when the server closed.
  bool recv(vigil_svc_response_hdr& h, std::vector<uint8_t>& body) {
    asio::read(sock, asio::buffer(&h, sizeof(h)), ec);
    if (ec) return false;
    body.resize(h.body_len);
    asio::read(sock, asio::buffer(body), ec);
    return !ec;
  }
  // True when the server has closed the connection (EOF within 2 s).
  bool closed_by_server() {
    uint8_t b;
    sock.non_blocking(false);
    timeval tv{2, 0};
    setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    const ssize_t n = ::recv(sock.native_handle(), &b, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }
  // The whole handshake as a client that holds `key`; the AUTH status.
  vigil_error authenticate(const crypto::Keypair& key) {
    const vigil_svc_auth a = service::make_auth(key, hello);
    send(&a, sizeof(a));
    vigil_svc_response_hdr h;
    std::vector<uint8_t> body;
    if (!recv(h, body)) return VIGIL_ERR_MALFORMED;
    return vigil_error(h.status);
  }
};

}  // namespace vigil::test
