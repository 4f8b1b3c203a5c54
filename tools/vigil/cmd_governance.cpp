// vigil governance: a validator's approval of a change, signed with its key
// file and sent to a validator by POST /tx (or, with --udp, as one bare
// datagram: an unproven source's, which ingest takes within its shared
// budget). The epoch and the signer's
// account nonce come from that validator's /status and /account, so the
// approval is for the epoch the chain is in and takes the signer's next
// nonce. Approvals of 2f+1 validators of the epoch for the same change take
// effect at the end of the block that brings the last one
// (<vigil/fi/transfer.h>).
//
//   vigil governance validator-set --keys HEX,HEX,... --key-file K --http H:P
//                                  [--udp H:P] [--wait S]
//   vigil governance protocol-version --version V --key-file K --http H:P
//                                     [--udp H:P] [--wait S]
//
// Prints one JSON line: the signature, epoch, nonce and, with --wait, the
// receipt once the transaction is committed or rejected.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "command.hpp"
#include "host/config/genesis.hpp"
#include "host/crypto/ed25519.hpp"
#include "host/crypto/sig_jsonl.hpp"
#include "host/execution/transaction.hpp"
#include "host/rpc/http_client.hpp"

namespace {

using namespace vigil;
using json = nlohmann::json;

struct Options {
  std::string keys;  // validator-set: comma-separated hex keys
  uint64_t version = 0;
  std::string key_file, http, udp;
  double wait_seconds = 0;
};

int fail(const std::string& why, int status) {
  std::fprintf(stderr, "vigil governance: %s\n", why.c_str());
  return status;
}

bool parse_keys(const std::string& list, std::vector<execution::PublicKey>* out) {
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    std::vector<uint8_t> b;
    if (!crypto::from_hex(item, b) || b.size() != 32) return false;
    execution::PublicKey k;
    std::copy(b.begin(), b.end(), k.begin());
    out->push_back(k);
  }
  return !out->empty();
}

// One bare frame to a validator's UDP port; "" or why it could not be sent.
std::string send_udp(const std::string& target, const std::vector<uint8_t>& frame) {
  const size_t colon = target.rfind(':');
  sockaddr_in a{};
  a.sin_family = AF_INET;
  const std::string host = colon == std::string::npos ? "" : target.substr(0, colon);
  const int port = colon == std::string::npos ? 0 : std::atoi(target.c_str() + colon + 1);
  if (port <= 0 || port > 65535 || inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1)
    return "--udp must be IPv4:PORT";
  a.sin_port = htons(uint16_t(port));
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return "no UDP socket";
  const ssize_t n =
      sendto(fd, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  close(fd);
  return n == ssize_t(frame.size()) ? "" : "sendto " + target + " failed";
}

std::optional<json> get_json(rpc::HttpClient& c, const std::string& target) {
  auto r = c.get(target);
  if (!r || r->status != 200) return std::nullopt;
  auto j = json::parse(r->body, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

// Polls /tx/SIG until it is committed or rejected, or the time is up.
json wait_receipt(rpc::HttpClient& c, const std::string& sig_hex, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  json last{{"status", "unknown"}};
  while (std::chrono::steady_clock::now() < end) {
    if (auto j = get_json(c, "/tx/" + sig_hex)) {
      last = *j;
      if (last.value("status", "") == "committed" || last.value("status", "") == "rejected") break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return last;
}

int run(const Options& o, vigil_gov_action action) {
  execution::GovernanceTx tx;
  tx.action = action;
  if (action == VIGIL_GOV_VALIDATOR_SET && !parse_keys(o.keys, &tx.keys))
    return fail("--keys must be 64-hex-digit public keys separated by commas", 2);
  if (action == VIGIL_GOV_PROTOCOL_VERSION) {
    if (o.version == 0) return fail("--version must be above 0", 2);
    tx.protocol_version = o.version;
  }
  std::array<uint8_t, 32> seed{};
  std::vector<std::string> errors;
  if (!config::load_key_file(o.key_file, &seed, &errors)) return fail(errors.at(0), 2);
  const crypto::Keypair key = crypto::keypair_from_seed(seed);
  const std::string pk_hex = crypto::to_hex(key.public_key.data(), 32);

  rpc::HttpClient api(o.http, 3000);
  const auto status = get_json(api, "/status");
  if (!status || !status->contains("epoch")) return fail("no /status from " + o.http, 1);
  const auto account = get_json(api, "/account/" + pk_hex);
  if (!account || !account->contains("nonce"))
    return fail("no /account/" + pk_hex + " from " + o.http, 1);
  tx.epoch = (*status)["epoch"].get<uint64_t>();
  tx.nonce = (*account)["nonce"].get<uint64_t>();

  const auto frame = execution::make_frame(key, execution::encode_governance(tx));
  ingest::FrameView v;
  if (ingest::parse_frame(frame, v) != VIGIL_OK) return fail("the frame does not parse", 1);
  const std::string sig_hex = crypto::to_hex(v.signature, 64);
  if (!o.udp.empty()) {
    if (std::string why = send_udp(o.udp, frame); !why.empty()) return fail(why, 1);
  } else {
    const auto posted = api.post("/tx", std::string(frame.begin(), frame.end()));
    if (!posted || posted->status != 202)
      return fail("POST /tx to " + o.http + " refused: " +
                      (posted ? std::to_string(posted->status) + " " + posted->body
                              : std::string("no answer")),
                  1);
  }
  json out{{"signature", sig_hex},
           {"signer", pk_hex},
           {"epoch", tx.epoch},
           {"nonce", tx.nonce},
           {"action", action == VIGIL_GOV_VALIDATOR_SET ? "validator_set" : "protocol_version"}};
  int rc = 0;
  if (o.wait_seconds > 0) {
    out["receipt"] = wait_receipt(api, sig_hex, o.wait_seconds);
    rc = out["receipt"].value("status", "") == "committed" ? 0 : 1;
  }
  std::printf("%s\n", out.dump().c_str());
  return rc;
}

void common_options(CLI::App& app, Options& o) {
  app.add_option("--key-file", o.key_file, "the approving validator's key file (vigil keygen)")
      ->required();
  app.add_option("--http", o.http, "a validator's HTTP API, HOST:PORT (epoch, nonce, POST /tx)")
      ->required();
  app.add_option("--udp", o.udp, "send the frame by UDP to this IPv4:PORT instead of POST /tx");
  app.add_option("--wait", o.wait_seconds,
                 "seconds to wait for the receipt (exit 1 unless it commits)");
}

const bool parent = tool::register_command(
    {"governance", "Approve a validator-set or protocol-version change as a validator", "",
     nullptr});

const bool validator_set = tool::register_command(
    {"validator-set", "Approve the validator set of the next epoch", "governance",
     [](CLI::App& app) {
       auto o = std::make_shared<Options>();
       app.add_option("--keys", o->keys, "the new set: hex public keys, comma-separated")
           ->required();
       common_options(app, *o);
       app.callback([o] { tool::exit_status() = run(*o, VIGIL_GOV_VALIDATOR_SET); });
     }});

const bool protocol_version = tool::register_command(
    {"protocol-version", "Approve a protocol version that activates at the next epoch",
     "governance", [](CLI::App& app) {
       auto o = std::make_shared<Options>();
       app.add_option("--version", o->version, "the version to activate")->required();
       common_options(app, *o);
       app.callback([o] { tool::exit_status() = run(*o, VIGIL_GOV_PROTOCOL_VERSION); });
     }});

}  // namespace
