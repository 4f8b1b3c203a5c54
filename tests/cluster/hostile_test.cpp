// Hostile input against a live cluster: 5 validators in the genesis, 4
// running; the attacker holds the fifth validator's key and a stranger's.
// A stranger's handshake, a validator's bad proof, a validator session that
// sends garbage and then an oversized message, and a UDP flood of junk and
// of bad signatures are each refused or dropped and counted in /metrics,
// while honest transfers sent to the other validators commit.
//
//   hostile_test VIGIL_BIN_DIR
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "host/config/genesis.hpp"
#include "host/crypto/ed25519.hpp"
#include "host/crypto/sig_jsonl.hpp"
#include "host/ingest/frame.hpp"
#include "host/mempool/transfer.hpp"
#include "host/p2p/handshake.hpp"
#include "host/rpc/http_client.hpp"
#include "tests/p2p/raw_socket.hpp"
#include "tools/vigil/spawn.hpp"
#include "vigil/fi/p2p.h"

namespace {

using namespace vigil;
using namespace std::chrono_literals;
using json = nlohmann::json;

int failures = 0;
void check(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
  failures += !ok;
}

double metric(rpc::HttpClient& api, const std::string& series) {
  auto r = api.get("/metrics");
  if (!r) return -1;
  double total = 0;
  size_t pos = 0;
  while ((pos = r->body.find(series, pos)) != std::string::npos) {
    const size_t eol = r->body.find('\n', pos);
    const std::string line = r->body.substr(pos, eol - pos);
    if (pos == 0 || r->body[pos - 1] == '\n') total += std::stod(line.substr(line.rfind(' ') + 1));
    pos = eol;
  }
  return total;
}

uint64_t height(rpc::HttpClient& api) {
  auto r = api.get("/status");
  if (!r) return 0;
  const json j = json::parse(r->body, nullptr, false);
  return j.is_discarded() ? 0 : j["height"].get<uint64_t>();
}

// Sends one datagram to 127.0.0.1:port.
void udp_send(int fd, uint16_t port, const uint8_t* p, size_t n) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sendto(fd, p, n, 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: hostile_test BIN_DIR\n");
    return 2;
  }
  const std::string bin = argv[1];
  char tmpl[] = "/tmp/vigil-hostile-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const uint32_t base = 30000 + uint32_t(getpid() % 200) * 20;
  int st = 0;
  const pid_t g = tool::spawn_logged(
      {bin + "/vigil", "genesis", "--validators", "5", "--accounts", "8", "--out", dir,
       "--base-port", std::to_string(base), "--round-timeout-ms", "500"},
      dir + "/genesis.log");
  waitpid(g, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    std::fprintf(stderr, "vigil genesis failed\n");
    return 1;
  }
  std::vector<pid_t> pids;
  for (int i = 0; i < 4; ++i)
    pids.push_back(tool::spawn_logged(
        {bin + "/vigild", "--config", dir + "/node-" + std::to_string(i) + "/vigild.toml"},
        dir + "/node-" + std::to_string(i) + "/vigild.log"));
  auto api_port = [&](int i) { return uint16_t(base + 3 * i + 2); };
  std::vector<std::unique_ptr<rpc::HttpClient>> api;
  for (int i = 0; i < 4; ++i)
    api.push_back(std::make_unique<rpc::HttpClient>("127.0.0.1:" + std::to_string(api_port(i))));
  auto stop = [&] {
    for (pid_t p : pids) kill(p, SIGTERM);
    for (pid_t p : pids) waitpid(p, &st, 0);
  };
  // Up and committing.
  const auto up_by = std::chrono::steady_clock::now() + 30s;
  while (height(*api[0]) < 3 && std::chrono::steady_clock::now() < up_by)
    std::this_thread::sleep_for(100ms);
  check(height(*api[0]) >= 3, "the 4 of 5 validators commit");

  config::GenesisFile genesis;
  std::vector<std::string> errs;
  config::load_genesis(dir + "/genesis.json", &genesis, &errs);
  std::array<uint8_t, 32> seed{};
  config::load_key_file(dir + "/node-4/validator.key", &seed, &errs);
  p2p::Identity v4;
  v4.chain_id = genesis.chain_id;
  v4.key = crypto::keypair_from_seed(seed);
  const uint16_t p2p0 = uint16_t(base);

  // 1. A stranger's key.
  {
    const int fd = test::tcp_connect(p2p0);
    const auto h = p2p::encode_hello({genesis.chain_id, crypto::generate_keypair().public_key, {}});
    (void)!write(fd, h.data(), h.size());
    check(test::closed_by_peer(fd), "unknown key: connection closed");
    close(fd);
  }
  // 2. Validator 4's key with a proof over the wrong challenge.
  {
    const int fd = test::tcp_connect(p2p0);
    const auto h = p2p::encode_hello({genesis.chain_id, v4.key.public_key, {9}});
    (void)!write(fd, h.data(), h.size());
    uint8_t theirs[p2p::kHelloBytes];
    test::read_all(fd, theirs, sizeof theirs);
    p2p::Hello hb;
    p2p::decode_hello(theirs, hb);
    hb.challenge[0] ^= 1;
    const auto proof = p2p::make_proof(v4, hb);
    (void)!write(fd, proof.data(), proof.size());
    check(test::closed_by_peer(fd), "bad proof: connection closed");
    close(fd);
  }
  // 3. Validator 4, authenticated, sends garbage then an oversized message.
  {
    const int fd = test::tcp_connect(p2p0);
    const auto h = p2p::encode_hello({genesis.chain_id, v4.key.public_key, {9}});
    (void)!write(fd, h.data(), h.size());
    uint8_t theirs[p2p::kHelloBytes], their_proof[p2p::kProofBytes];
    test::read_all(fd, theirs, sizeof theirs);
    p2p::Hello hb;
    p2p::decode_hello(theirs, hb);
    const auto proof = p2p::make_proof(v4, hb);
    (void)!write(fd, proof.data(), proof.size());
    check(test::read_all(fd, their_proof, sizeof their_proof), "validator 4's handshake completes");
    std::vector<uint8_t> junk(200, 0x5a);
    for (int i = 0; i < 10; ++i) {
      const auto len = p2p::encode_length(uint32_t(junk.size()));
      (void)!write(fd, len.data(), len.size());
      (void)!write(fd, junk.data(), junk.size());
    }
    // Forwarded transactions from this peer: 20 forged frames, then a
    // forward of an unknown version; each is verified or refused like a
    // client's, and charged to this peer.
    auto send_msg = [&](const std::vector<uint8_t>& msg) {
      const auto len = p2p::encode_length(uint32_t(msg.size()));
      (void)!write(fd, len.data(), len.size());
      (void)!write(fd, msg.data(), msg.size());
    };
    const vigil_p2p_tx_forward_hdr fh{.version = VIGIL_WIRE_VERSION,
                                      .type = VIGIL_P2P_MSG_TX_FORWARD,
                                      .count = 20,
                                      .reserved = 0};
    std::vector<uint8_t> fwd(sizeof fh);
    std::memcpy(fwd.data(), &fh, sizeof fh);
    const auto forger = crypto::generate_keypair();
    std::array<uint8_t, VIGIL_TX_FRAME_MAX> f;
    for (uint64_t i = 0; i < 20; ++i) {
      const size_t n =
          ingest::sign_frame(forger, mempool::encode_transfer({forger.public_key, 1, 0, i}), f);
      f[offsetof(vigil_tx_frame_ed25519, signature) + 5] ^= 0x20;
      ingest::reseal_crc({f.data(), n});
      fwd.insert(fwd.end(), f.begin(), f.begin() + long(n));
    }
    send_msg(fwd);
    fwd[0] = VIGIL_WIRE_VERSION + 1;
    send_msg(fwd);
    // Each forged frame is verified invalid, or refused once the failures
    // spent this peer's budget; none reaches a mempool.
    auto verify_drop = [&](const char* reason) {
      return metric(*api[0], std::string("vigil_tile_dropped_total{reason=\"") + reason +
                                 "\",tile=\"verify\"}");
    };
    auto forged_counted = [&] {
      return verify_drop("invalid_signature") >= 1 &&
             verify_drop("invalid_signature") + verify_drop("rate_limited_source") >= 20 &&
             verify_drop("forward_malformed") >= 1;
    };
    const auto fwd_by = std::chrono::steady_clock::now() + 10s;
    while (!forged_counted() && std::chrono::steady_clock::now() < fwd_by)
      std::this_thread::sleep_for(100ms);
    check(forged_counted(),
          "forged forwarded frames refused (invalid " +
              std::to_string(verify_drop("invalid_signature")) + ", rate limited " +
              std::to_string(verify_drop("rate_limited_source")) + "), a bad forward refused (" +
              std::to_string(verify_drop("forward_malformed")) + ")");
    const auto huge = p2p::encode_length(VIGIL_P2P_MAX_MESSAGE + 1);
    (void)!write(fd, huge.data(), huge.size());
    check(test::closed_by_peer(fd), "oversized message: session closed");
    close(fd);
  }
  // 4. A UDP flood at node 0 (junk and bad signatures) while honest
  // transfers go to nodes 1 and 2.
  std::vector<crypto::Keypair> accounts;
  {
    std::ifstream in(dir + "/accounts.jsonl");
    std::string line;
    while (std::getline(in, line)) {
      const json j = json::parse(line);
      std::vector<uint8_t> s;
      crypto::from_hex(j["seed"].get<std::string>(), s);
      crypto::Seed sd;
      std::copy(s.begin(), s.end(), sd.begin());
      accounts.push_back(crypto::keypair_from_seed(sd));
    }
  }
  const int udp = socket(AF_INET, SOCK_DGRAM, 0);
  std::mt19937_64 rng(7);
  std::vector<std::string> honest;
  std::array<uint8_t, VIGIL_TX_FRAME_MAX> frame;
  uint64_t nonce[8] = {};
  const auto flood_end = std::chrono::steady_clock::now() + 4s;
  uint64_t flooded = 0;
  while (std::chrono::steady_clock::now() < flood_end) {
    for (int k = 0; k < 200; ++k, flooded += 2) {
      uint8_t junk[300];
      for (auto& b : junk) b = uint8_t(rng());
      udp_send(udp, uint16_t(base + 1), junk, 8 + rng() % 290);
      const auto& a = accounts[rng() % accounts.size()];
      const auto payload = mempool::encode_transfer({a.public_key, 1, 0, 0});
      const size_t n = ingest::sign_frame(a, payload, frame);
      frame[offsetof(vigil_tx_frame_ed25519, signature) + 3] ^=
          0x10;  // a forgery in an honest name
      ingest::reseal_crc({frame.data(), n});
      udp_send(udp, uint16_t(base + 1), frame.data(), n);
    }
    // Honest transfers from accounts 1..6, each to "its" validator, 1 or 2.
    // (Not 3: its successor as leader, validator 4, is down, so its own
    // proposals never gather a QC; mempools are not shared yet.)
    for (int s = 1; s < 7; ++s) {
      const auto& a = accounts[size_t(s)];
      const auto payload = mempool::encode_transfer({accounts[0].public_key, 1, 0, nonce[s]++});
      const size_t n = ingest::sign_frame(a, payload, frame);
      udp_send(udp, uint16_t(base + 3 * (1 + s % 2) + 1), frame.data(), n);
      honest.push_back(
          crypto::to_hex(frame.data() + offsetof(vigil_tx_frame_ed25519, signature), 64));
    }
    std::this_thread::sleep_for(5ms);
  }
  // Every honest transfer commits (any node can answer: all hold the chain).
  size_t committed = 0, shown = 0;
  const auto commit_by = std::chrono::steady_clock::now() + 30s;
  for (const auto& sig : honest) {
    for (;;) {
      auto r = api[1]->get("/tx/" + sig);
      const json j = r ? json::parse(r->body, nullptr, false) : json();
      if (!j.is_discarded() && j.value("status", "") == "committed") {
        ++committed;
        break;
      }
      if (std::chrono::steady_clock::now() > commit_by) {
        if (shown++ < 3) std::printf("  not committed: %s\n", r ? r->body.c_str() : "no answer");
        break;
      }
      std::this_thread::sleep_for(20ms);
    }
  }
  check(committed == honest.size(),
        "honest transfers committed during the flood: " + std::to_string(committed) + " of " +
            std::to_string(honest.size()));
  auto& m = *api[0];
  check(metric(m, "vigil_p2p_handshake_refusals_total{reason=\"unknown_key\"}") >= 1,
        "metrics: handshake refused, unknown_key");
  check(metric(m, "vigil_p2p_handshake_refusals_total{reason=\"bad_proof\"}") >= 1,
        "metrics: handshake refused, bad_proof");
  check(metric(m, "vigil_p2p_dropped_total{reason=\"oversized\"}") >= 1,
        "metrics: oversized peer message");
  check(metric(m, "vigil_consensus_dropped_total{reason=\"parse_") >= 10,
        "metrics: garbage consensus messages dropped");
  const double junk_dropped = metric(m, "vigil_ingest_dropped_total");
  const double bad_sigs = metric(m, "vigil_verifications_total{engine=");
  check(junk_dropped > 0.5 * double(flooded),
        "metrics: junk and forged datagrams dropped by ingest (" +
            std::to_string(uint64_t(junk_dropped)) + " of " + std::to_string(flooded) + ")");
  const double invalid = [&] {
    auto r = m.get("/metrics");
    double v = 0;
    size_t pos = 0;
    while (r && (pos = r->body.find("vigil_verifications_total{", pos)) != std::string::npos) {
      const size_t eol = r->body.find('\n', pos);
      const std::string line = r->body.substr(pos, eol - pos);
      if (line.find("result=\"invalid\"") != std::string::npos)
        v += std::stod(line.substr(line.rfind(' ') + 1));
      pos = eol;
    }
    return v;
  }();
  (void)bad_sigs;
  check(invalid > 0,
        "metrics: forged signatures verified invalid (" + std::to_string(uint64_t(invalid)) + ")");
  const uint64_t h0 = height(*api[2]);
  const auto more_by = std::chrono::steady_clock::now() + 10s;
  while (height(*api[2]) <= h0 && std::chrono::steady_clock::now() < more_by)
    std::this_thread::sleep_for(100ms);
  check(height(*api[2]) > h0, "still committing after the attacks");
  stop();
  if (failures == 0)
    std::filesystem::remove_all(dir);
  else
    std::printf("logs kept in %s\n", dir.c_str());
  return failures ? 1 : 0;
}
