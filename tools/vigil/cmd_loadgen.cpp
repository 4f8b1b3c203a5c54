// vigil loadgen: makes transaction frames (valid, invalid signature, junk,
// duplicates) in a configured mix from several senders and source
// addresses, and writes them to a capture file and/or sends them over UDP.
// With --target it loads a running cluster instead (load_client.hpp):
// signed transfers among the accounts of --keys at --rate for --seconds,
// a sample polled on /tx, and a report of what committed and how fast.
#include <array>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench_output.hpp"
#include "command.hpp"
#include "drivers/net/pcap_port.hpp"
#include "drivers/net/udp_port.hpp"
#include "host/crypto/ed25519.hpp"
#include "host/ingest/traffic.hpp"
#include "load_client.hpp"

namespace {

using namespace vigil;

struct Options {
  uint64_t count = 10000;
  ingest::TrafficMix mix{1, 0, 0, 0};
  uint32_t senders = 4;
  uint32_t sources = 1;
  uint32_t payload = 64;
  uint64_t seed = 1;
  std::string pcap_path;
  uint64_t pps = 100000;  // time stamps in the capture
  uint16_t udp_port = 0;
  bool json = false;
  std::string target, http;  // cluster mode
  tool::LoadOptions load;
  tool::BenchOutput out;  // cluster mode: --csv, --plot of TPS and latency over time
};

int run_cluster_load(Options& o) {
  o.load.targets = tool::split_list(o.target);
  o.load.http = tool::split_list(o.http);
  if (o.load.keys.empty()) {
    std::fprintf(stderr, "loadgen: --target needs --keys DIR/accounts.jsonl\n");
    return 2;
  }
  tool::LoadReport r;
  std::string err;
  if (!tool::run_load(o.load, &r, &err)) {
    std::fprintf(stderr, "loadgen: %s\n", err.c_str());
    return 1;
  }
  if (o.out.wanted() && !o.out.emit(tool::timeline_table(r), tool::timeline_charts)) return 1;
  if (o.json) {
    std::printf("%s\n", r.to_json().dump().c_str());
    return 0;
  }
  std::printf("loadgen: sent %llu (%llu valid) in %.1f s; committed %llu (%.0f tx/s)\n",
              (unsigned long long)r.sent, (unsigned long long)r.valid, r.seconds,
              (unsigned long long)r.committed, r.committed_tps);
  std::printf(
      "  sampled %llu: %llu accepted, %llu committed; latency p50 %.1f ms, p90 %.1f ms, "
      "p99 %.1f ms\n",
      (unsigned long long)r.sampled, (unsigned long long)r.sampled_accepted,
      (unsigned long long)r.sampled_committed, r.p50_ms, r.p90_ms, r.p99_ms);
  for (const auto& [k, v] : r.rejected)
    std::printf("  rejected %-22s %llu (sampled)\n", k.c_str(), (unsigned long long)v);
  return 0;
}

int run_loadgen(Options& o) {
  if (!o.target.empty()) return run_cluster_load(o);
  if (o.out.wanted()) {
    std::fprintf(stderr, "loadgen: --csv and --plot go with --target (a timeline of the load)\n");
    return 2;
  }
  if (o.pcap_path.empty() && o.udp_port == 0) {
    std::fprintf(stderr, "loadgen: nothing to do: give --write-pcap FILE and/or --udp PORT\n");
    return 2;
  }
  // Sender keys from the seed: the same seed gives the same keys and frames.
  std::vector<crypto::Keypair> keys;
  for (uint32_t i = 0; i < o.senders; ++i) keys.push_back(ingest::sender_keypair(o.seed, i));
  ingest::TrafficGen gen({.mix = o.mix, .payload_len = o.payload, .seed = o.seed}, std::move(keys),
                         ingest::Signing::ed25519);

  std::string err;
  std::unique_ptr<net::PcapPort> pcap;
  std::unique_ptr<net::UdpPort> udp;
  if (!o.pcap_path.empty() && !(pcap = net::PcapPort::open({.write_path = o.pcap_path}, err))) {
    std::fprintf(stderr, "loadgen: %s\n", err.c_str());
    return 1;
  }
  if (o.udp_port && !(udp = net::UdpPort::open({.default_dst_port = o.udp_port}, err))) {
    std::fprintf(stderr, "loadgen: %s\n", err.c_str());
    return 1;
  }

  std::array<uint64_t, 4> by_kind{};
  std::vector<uint8_t> buf(ingest::TrafficGen::kMaxFrame);
  uint64_t udp_unsent = 0;
  const uint64_t step_ns = 1'000'000'000ull / (o.pps ? o.pps : 1);
  for (uint64_t i = 0; i < o.count; ++i) {
    ingest::TrafficKind kind;
    const size_t n = gen.next(buf, kind);
    ++by_kind[size_t(kind)];
    const net::OutPacket pkt{.payload = {buf.data(), n},
                             .src_addr = 0x0a010000u + uint32_t(i % o.sources) + 1,
                             .src_port = 40000,
                             .dst_addr = 0,
                             .dst_port = 0,
                             .timestamp_ns = 1'000'000'000ull + i * step_ns};
    if (pcap) pcap->tx_burst({&pkt, 1});
    if (udp) {
      net::OutPacket u = pkt;
      u.dst_addr = 0;  // the configured loopback destination
      udp_unsent += udp->tx_burst({&u, 1}) == 0;
    }
  }
  if (pcap) pcap->flush();
  const char* names[] = {"valid", "invalid_signature", "junk", "duplicate"};
  if (o.json) {
    nlohmann::json j{{"frames", o.count}, {"senders", o.senders}, {"sources", o.sources}};
    for (size_t k = 0; k < 4; ++k) j[names[k]] = by_kind[k];
    if (pcap) j["pcap"] = o.pcap_path;
    if (udp) j["udp_unsent"] = udp_unsent;
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("loadgen: %llu frames from %u senders, %u source addresses\n",
                (unsigned long long)o.count, o.senders, o.sources);
    for (size_t k = 0; k < 4; ++k)
      std::printf("  %-18s %llu\n", names[k], (unsigned long long)by_kind[k]);
    if (pcap) std::printf("  written to %s\n", o.pcap_path.c_str());
    if (udp)
      std::printf("  sent to 127.0.0.1:%u (%llu not sent: socket buffer full)\n", o.udp_port,
                  (unsigned long long)udp_unsent);
  }
  return 0;
}

const bool registered = tool::register_command(
    {"loadgen", "Make transaction frames (valid, bad signature, junk, duplicates)", "",
     [](CLI::App& app) {
       auto o = std::make_shared<Options>();
       app.add_option("--count", o->count, "frames to make");
       app.add_option("--valid", o->mix.valid, "weight of valid frames");
       app.add_option("--invalid-sig", o->mix.invalid_signature,
                      "weight of well-formed frames with a bad signature");
       app.add_option("--junk", o->mix.junk, "weight of malformed frames (every kind in turn)");
       app.add_option("--duplicate", o->mix.duplicate, "weight of repeats of recent valid frames");
       app.add_option("--senders", o->senders, "sender keys")->check(CLI::Range(1, 1 << 20));
       app.add_option("--sources", o->sources, "source addresses (10.1.0.1 and up)")
           ->check(CLI::Range(1, 1 << 16));
       app.add_option("--payload", o->payload, "payload bytes")->check(CLI::Range(16, 1024));
       app.add_option("--seed", o->seed, "generator and key seed");
       app.add_option("--write-pcap", o->pcap_path, "write the frames to this capture file");
       app.add_option("--pps", o->pps, "frames per second recorded in the capture's time stamps")
           ->check(CLI::Range(1, 1'000'000'000));
       app.add_option("--udp", o->udp_port, "also send them to 127.0.0.1:PORT");
       app.add_flag("--json", o->json, "print the summary as JSON");
       app.add_option("--target", o->target,
                      "load a cluster: validators' UDP ports, HOST:PORT[,HOST:PORT...]");
       app.add_option("--http", o->http, "their HTTP APIs (default: each target's port + 1)");
       app.add_option("--keys", o->load.keys, "accounts.jsonl of vigil genesis");
       app.add_option("--rate", o->load.rate, "transfers per second")->check(CLI::Range(1.0, 1e7));
       app.add_option("--seconds", o->load.seconds, "how long to send")
           ->check(CLI::Range(0.1, 86400.0));
       app.add_option("--invalid-share", o->load.invalid_share,
                      "share of bad frames (bad signature, bad nonce, malformed in turn)")
           ->check(CLI::Range(0.0, 1.0));
       o->out.add_options(app);
       app.callback([o] { tool::exit_status() = run_loadgen(*o); });
     }});

}  // namespace
