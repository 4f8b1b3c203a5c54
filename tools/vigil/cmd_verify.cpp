// vigil verify: reads JSON lines {"pk":hex,"msg":hex,"sig":hex} (standard
// input or --input) and writes, in order, one line per input line: `valid`,
// `invalid`, or `error: <reason>` for a line that is not well-formed. Lines
// are verified --batch at a time with verify_batch (zip215: one MSM per
// batch). A bad line never stops the run. --engine opencl[:SEL] or cuda[:N]
// verifies on that device through the Accelerator interface, and --remote
// HOST:PORT[,...] --key FILE on accelerator-service servers through the
// client library (local CPU fallback when none answers), each with the same
// input and output.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "command.hpp"
#include "drivers/accel/accelerator.hpp"
#include "drivers/accel/item_verifier.hpp"
#include "host/client/client.hpp"
#include "host/crypto/ed25519.hpp"
#include "host/crypto/sig_jsonl.hpp"
#include "host/service/endpoint.hpp"
#include "host/service/keys.hpp"

namespace {

using namespace vigil::crypto;

struct Options {
  std::string rules = "zip215";
  std::string engine = "auto";
  size_t batch = 64;
  std::string input;
  std::string remote, key, tls_ca;
  uint32_t timeout_ms = 2000;
};

// Verifies on the service, or on `device`, or on the CPU engine `engine`.
struct Verifier {
  Engine engine = Engine::automatic;
  vigil::accel::ItemVerifier* device = nullptr;
  vigil::client::Client* remote = nullptr;
  void operator()(std::span<const VerifyItem> items, Rules rules, std::span<uint32_t> words) const {
    if (remote) {
      const auto r = remote->verify(items, rules);
      std::copy(r.verdict.begin(), r.verdict.end(), words.begin());
    } else if (device) {
      device->verify(items, rules, words);
    } else {
      verify_batch(items, rules, words, {}, engine);
    }
  }
};

// Verifies the parsed lines of one batch and prints every line's verdict.
void flush(std::vector<std::string>& reasons, std::vector<SigLine>& parsed, size_t nparsed,
           Rules rules, const Verifier& verify) {
  std::vector<VerifyItem> items;
  for (size_t i = 0; i < nparsed; ++i) {
    items.push_back({parsed[i].pk.data(), parsed[i].sig.data(), parsed[i].msg});
  }
  std::vector<uint32_t> words(VIGIL_VERDICT_WORDS(items.size()));
  if (!items.empty()) verify(items, rules, words);
  size_t next = 0;
  for (const auto& reason : reasons) {
    if (!reason.empty()) {
      std::printf("error: %s\n", reason.c_str());
      continue;
    }
    const bool ok = (words[next / 32] >> (next % 32)) & 1;
    ++next;
    std::puts(ok ? "valid" : "invalid");
  }
  reasons.clear();
}

int verify_command(const Options& o) {
  const auto rules = parse_rules(o.rules);
  auto engine = parse_engine(o.engine);
  std::unique_ptr<vigil::accel::Accelerator> accel;
  std::unique_ptr<vigil::accel::ItemVerifier> device;
  if (!engine && (o.engine.rfind("opencl", 0) == 0 || o.engine.rfind("cuda", 0) == 0)) {
    std::string why;
    accel = vigil::accel::make_accelerator(o.engine, vigil::accel::Options{}, &why);
    if (!accel) {
      std::fprintf(stderr, "vigil verify: engine %s unavailable: %s\n", o.engine.c_str(),
                   why.c_str());
      return 2;
    }
    device = std::make_unique<vigil::accel::ItemVerifier>(*accel);
    engine = Engine::automatic;  // unused: the device's own fallback is the CPU engine
  }
  if (!rules) {
    std::fprintf(stderr, "vigil verify: unknown rules '%s' (strict, zip215)\n", o.rules.c_str());
    return 2;
  }
  if (!engine) {
    std::fprintf(stderr, "vigil verify: unknown engine '%s'\n", o.engine.c_str());
    return 2;
  }
  if (!engine_supported(*engine)) {
    std::fprintf(stderr, "vigil verify: engine %s is not supported by this CPU\n",
                 o.engine.c_str());
    return 2;
  }
  std::unique_ptr<vigil::client::Client> remote;
  if (!o.remote.empty()) {
    vigil::client::ClientOptions co;
    if (std::string why = vigil::service::load_key_file(o.key, co.key); !why.empty()) {
      std::fprintf(stderr, "vigil verify: --key %s\n", why.c_str());
      return 2;
    }
    co.servers = vigil::service::split_list(o.remote);
    co.deadline = std::chrono::milliseconds(o.timeout_ms);
    co.tls = !o.tls_ca.empty();
    co.tls_ca = o.tls_ca;
    std::string why;
    remote = vigil::client::Client::open(std::move(co), &why);
    if (!remote) {
      std::fprintf(stderr, "vigil verify: --remote %s: %s\n", o.remote.c_str(), why.c_str());
      return 2;
    }
  }
  const Verifier verifier{*engine, device.get(), remote.get()};
  std::ifstream file;
  if (!o.input.empty()) {
    file.open(o.input);
    if (!file) {
      std::fprintf(stderr, "vigil verify: cannot open %s\n", o.input.c_str());
      return 2;
    }
  }
  std::istream& in = o.input.empty() ? std::cin : file;
  std::vector<std::string> reasons;  // per pending line: "" when parsed
  std::vector<SigLine> parsed(o.batch);
  size_t nparsed = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string reason = parse_sig_line(line, parsed[nparsed]);
    if (reason.empty()) ++nparsed;
    reasons.push_back(std::move(reason));
    // Bad lines count too, so a run of them never grows `reasons` unbounded.
    if (nparsed == o.batch || reasons.size() >= 2 * o.batch) {
      flush(reasons, parsed, nparsed, *rules, verifier);
      nparsed = 0;
    }
  }
  flush(reasons, parsed, nparsed, *rules, verifier);
  if (remote) {
    const auto st = remote->stats();
    std::fprintf(stderr, "vigil verify: %llu batches verified remotely, %llu locally\n",
                 (unsigned long long)st.remote, (unsigned long long)st.local_fallback);
  }
  return 0;
}

const bool registered = vigil::tool::register_command(
    {"verify", "Verify Ed25519 JSON lines: prints valid, invalid or error: <reason> per line", "",
     [](CLI::App& app) {
       auto o = std::make_shared<Options>();
       app.add_option("--rules", o->rules, "strict or zip215")
           ->check(CLI::IsMember({"strict", "zip215"}));
       app.add_option("--engine", o->engine,
                      "auto, portable, avx2, avx512ifma, opencl[:SEL] or cuda[:N]");
       app.add_option("--batch", o->batch, "items per verify_batch call")
           ->check(CLI::Range(size_t{1}, size_t{1} << 20));
       app.add_option("--input", o->input, "read this file instead of standard input");
       auto* remote = app.add_option(
           "--remote", o->remote, "verify on accelerator-service servers HOST:PORT[,HOST:PORT...]");
       app.add_option("--key", o->key, "the client's key file (a `vigil keygen` line)")
           ->needs(remote);
       remote->needs(app.get_option("--key"));
       app.add_option("--tls-ca", o->tls_ca,
                      "--remote over TLS; the servers' certificates chain to this PEM file")
           ->needs(remote);
       app.add_option("--timeout-ms", o->timeout_ms,
                      "--remote: per batch, then the local CPU verifies it");
       app.callback([=] { vigil::tool::exit_status() = verify_command(*o); });
     }});

}  // namespace
