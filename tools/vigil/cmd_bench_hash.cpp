// vigil bench hash: SHA-256 and SHA-512 throughput on 64-byte, 256-byte and
// 1 MiB messages, one message per call and whole batches, on every code path
// this CPU supports (forced in turn) next to OpenSSL measured in the same
// run. Ratios are to OpenSSL's row of the same algorithm, size and mode.
// Then Ed25519's SHA-512(R || A || M) in three parts per item, and RFC 6962
// Merkle roots over 4096 leaves against the same tree computed on OpenSSL
// one hash at a time.
#include <openssl/sha.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bench_output.hpp"
#include "command.hpp"
#include "host/crypto/merkle.hpp"
#include "host/crypto/sha2.hpp"
#include "host/crypto/sha2_paths.hpp"

namespace {

using vigil::crypto::Bytes;
namespace sha2 = vigil::crypto::sha2;
using sha2::Path;

struct Row {
  std::string algo;     // sha256 | sha512
  size_t size = 0;      // bytes per message
  std::string mode;     // single | batch
  std::string engine;   // portable | shani | avx2 | avx512 | openssl
  bool chosen = false;  // what dispatch uses on this CPU
  size_t batch = 0;     // messages per call
  double per_sec = 0;   // messages hashed per second
  double mb_per_s = 0;  // 10^6 bytes per second
  double ratio = 0;     // per_sec / openssl's per_sec
};

// Calls `work` (which hashes `per_call` messages) until `seconds` have
// passed; returns messages per second of the fastest call. A call takes
// 0.1-2 ms, shorter than a scheduler slice, so on a loaded machine the
// fastest one ran undisturbed.
template <class Work>
double measure(double seconds, size_t per_call, Work&& work) {
  using clock = std::chrono::steady_clock;
  work();  // warm caches and the dispatcher
  double fastest = 1e30;
  const auto start = clock::now();
  for (auto t = start; std::chrono::duration<double>(t - start).count() < seconds;) {
    work();
    const auto end = clock::now();
    fastest = std::min(fastest, std::chrono::duration<double>(end - t).count());
    t = end;
  }
  return static_cast<double>(per_call) / fastest;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

// OpenSSL's fastest interface: 3.0's one-shot SHA256() goes through
// EVP_Q_digest and fetches the algorithm by name on every call (about 6x
// slower on 64-byte messages); the deprecated low-level calls do not.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
void openssl_sha256(Bytes m, uint8_t* out) {
  SHA256_CTX c;
  SHA256_Init(&c);
  SHA256_Update(&c, m.data(), m.size());
  SHA256_Final(out, &c);
}
void openssl_sha512(Bytes m, uint8_t* out) {
  SHA512_CTX c;
  SHA512_Init(&c);
  SHA512_Update(&c, m.data(), m.size());
  SHA512_Final(out, &c);
}
void openssl_sha512_parts(const std::array<Bytes, 3>& parts, uint8_t* out) {
  SHA512_CTX c;
  SHA512_Init(&c);
  for (Bytes p : parts) SHA512_Update(&c, p.data(), p.size());
  SHA512_Final(out, &c);
}
#pragma GCC diagnostic pop

// RFC 6962 root on OpenSSL, level by level, one hash at a time.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
vigil::crypto::Hash256 openssl_merkle_root(std::span<const Bytes> leaves,
                                           std::vector<vigil::crypto::Hash256>& nodes) {
  const uint8_t leaf_prefix = 0x00, node_prefix = 0x01;
  nodes.resize(leaves.size());
  for (size_t i = 0; i < leaves.size(); ++i) {
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, &leaf_prefix, 1);
    SHA256_Update(&c, leaves[i].data(), leaves[i].size());
    SHA256_Final(nodes[i].data(), &c);
  }
  for (size_t n = nodes.size(); n > 1; n = (n + 1) / 2) {
    for (size_t i = 0; i < n / 2; ++i) {
      SHA256_CTX c;
      SHA256_Init(&c);
      SHA256_Update(&c, &node_prefix, 1);
      SHA256_Update(&c, nodes[2 * i].data(), 64);  // two adjacent nodes
      SHA256_Final(nodes[i].data(), &c);
    }
    if (n % 2 == 1) nodes[n / 2] = nodes[n - 1];
  }
  return nodes[0];
}
#pragma GCC diagnostic pop

struct Options {
  double seconds = 0.25;
  bool json = false;
  vigil::tool::BenchOutput out;  // --csv, --plot
};

// One group of rows (same algorithm, size and mode): OpenSSL first, then
// ours on each forced path; ratios are to the OpenSSL row. The machine is
// shared, so run() measures the entries in turn, kRounds slices each, and
// keeps each entry's fastest call: another process only ever slows a call
// down, and interleaving exposes every entry to the same load.
class Group {
 public:
  Group(std::vector<Row>& rows, const Options& opt, std::string algo, size_t size, std::string mode,
        size_t batch)
      : rows_(rows), opt_(opt), proto_{std::move(algo), size, std::move(mode), "", false, batch} {}

  void openssl(std::function<void()> work) {
    entries_.push_back({"openssl", false, std::nullopt, std::move(work)});
  }

  void ours(const std::string& engine, bool chosen, const sha2::Paths& paths,
            std::function<void()> work) {
    entries_.push_back({engine, chosen, paths, std::move(work)});
  }

  void run() {
    static constexpr int kRounds = 8;
    std::vector<double> best(entries_.size(), 0);
    for (int round = 0; round < kRounds; ++round) {
      for (size_t i = 0; i < entries_.size(); ++i) {
        if (entries_[i].paths) sha2::force_paths(*entries_[i].paths);
        best[i] =
            std::max(best[i], measure(opt_.seconds / kRounds, proto_.batch, entries_[i].work));
      }
    }
    for (size_t i = 0; i < entries_.size(); ++i) {
      Row r = proto_;
      r.engine = entries_[i].engine;
      r.chosen = entries_[i].chosen;
      r.per_sec = best[i];
      r.mb_per_s = best[i] * static_cast<double>(r.size) / 1e6;
      r.ratio = best[i] / best[0];  // entry 0 is OpenSSL
      rows_.push_back(r);
    }
  }

 private:
  struct Entry {
    std::string engine;
    bool chosen;
    std::optional<sha2::Paths> paths;  // none: OpenSSL
    std::function<void()> work;
  };
  std::vector<Row>& rows_;
  const Options& opt_;
  Row proto_;
  std::vector<Entry> entries_;
};

struct Variant {
  std::string engine;
  bool chosen;
  sha2::Paths paths;
};

// Our single-message paths for one algorithm.
std::vector<Variant> single_variants(bool is256, const sha2::Paths& best) {
  std::vector<Variant> v;
  for (Path p : {Path::portable, is256 ? Path::shani : Path::libcrypto}) {
    if (!sha2::cpu_supports(p)) continue;
    sha2::Paths forced = best;
    (is256 ? forced.single256 : forced.single512) = p;
    v.push_back({sha2::path_name(p), p == (is256 ? best.single256 : best.single512), forced});
  }
  return v;
}

// Our batch paths; `portable` runs the messages one after another on the
// single-message path, hence its name here.
std::vector<Variant> batch_variants(bool is256, const sha2::Paths& best) {
  std::vector<Variant> v;
  for (Path p : {Path::portable, Path::avx2, Path::avx512}) {
    if (!sha2::cpu_supports(p)) continue;
    sha2::Paths forced = best;
    (is256 ? forced.batch256 : forced.batch512) = p;
    std::string name =
        p == Path::portable
            ? std::string("serial-") + sha2::path_name(is256 ? best.single256 : best.single512)
            : sha2::path_name(p);
    v.push_back({name, p == (is256 ? best.batch256 : best.batch512), forced});
  }
  return v;
}

std::vector<uint8_t> filler(size_t n) {
  std::vector<uint8_t> data(n);
  for (size_t i = 0; i < n; ++i) data[i] = static_cast<uint8_t>(i * 2654435761u >> 13);
  return data;
}

std::vector<Row> run(const Options& opt) {
  std::vector<Row> rows;
  const sha2::Paths best = sha2::best_paths();
  const sha2::Paths saved = sha2::current_paths();
  volatile uint8_t sink = 0;

  for (size_t size : {size_t{64}, size_t{256}, size_t{1} << 20}) {
    // Messages per call: 16 fill the widest lanes. The 1 MiB messages all
    // alias one buffer, so that the rows measure hashing, not DRAM.
    const bool big = size > 4096;
    const size_t n = big ? 16 : 1024;
    const std::vector<uint8_t> data = filler(big ? size : n * size);
    std::vector<Bytes> msgs;
    for (size_t i = 0; i < n; ++i) msgs.emplace_back(data.data() + (big ? 0 : i * size), size);
    std::vector<vigil::crypto::Hash256> out256(n);
    std::vector<vigil::crypto::Hash512> out512(n);
    auto openssl_loop = [&](bool is256) {
      for (size_t i = 0; i < n; ++i) {
        if (is256) {
          openssl_sha256(msgs[i], out256[i].data());
        } else {
          openssl_sha512(msgs[i], out512[i].data());
        }
      }
      sink = sink ^ out256[0][0] ^ out512[0][0];
    };

    for (bool is256 : {true, false}) {
      const std::string algo = is256 ? "sha256" : "sha512";
      Group single(rows, opt, algo, size, "single", n);
      single.openssl([&] { openssl_loop(is256); });
      for (const Variant& v : single_variants(is256, best)) {
        single.ours(v.engine, v.chosen, v.paths, [&] {
          for (size_t i = 0; i < n; ++i) {
            if (is256) {
              out256[i] = vigil::crypto::sha256(msgs[i]);
            } else {
              out512[i] = vigil::crypto::sha512(msgs[i]);
            }
          }
          sink = sink ^ out256[0][0] ^ out512[0][0];
        });
      }
      single.run();
      // OpenSSL has no multi-message call: its batch is the same loop.
      Group batch(rows, opt, algo, size, "batch", n);
      batch.openssl([&] { openssl_loop(is256); });
      for (const Variant& v : batch_variants(is256, best)) {
        batch.ours(v.engine, v.chosen, v.paths, [&] {
          if (is256) {
            vigil::crypto::sha256_batch(msgs, out256);
          } else {
            vigil::crypto::sha512_batch(msgs, out512);
          }
          sink = sink ^ out256[0][0] ^ out512[0][0];
        });
      }
      batch.run();
    }
  }

  // Ed25519's challenge hash SHA-512(R || A || M) with 100-byte messages,
  // three parts per item (sha512_batch3).
  {
    const size_t n = 1024, mlen = 100;
    const std::vector<uint8_t> data = filler(n * (64 + mlen));
    std::vector<std::array<Bytes, 3>> items;
    for (size_t i = 0; i < n; ++i) {
      const uint8_t* p = data.data() + i * (64 + mlen);
      items.push_back({Bytes(p, 32), Bytes(p + 32, 32), Bytes(p + 64, mlen)});
    }
    std::vector<vigil::crypto::Hash512> out(n);
    Group g(rows, opt, "sha512", 64 + mlen, "ed25519", n);
    g.openssl([&] {
      for (size_t i = 0; i < n; ++i) openssl_sha512_parts(items[i], out[i].data());
      sink = sink ^ out[0][0];
    });
    for (const Variant& v : batch_variants(false, best)) {
      g.ours(v.engine, v.chosen, v.paths, [&] {
        vigil::crypto::sha512_batch3(items, out);
        sink = sink ^ out[0][0];
      });
    }
    g.run();
  }

  // Merkle roots (merkle.hpp) over a block's worth of 256-byte leaves;
  // per_sec counts leaves.
  {
    const size_t n = 4096, size = 256;
    const std::vector<uint8_t> data = filler(n * size);
    std::vector<Bytes> leaves;
    for (size_t i = 0; i < n; ++i) leaves.emplace_back(data.data() + i * size, size);
    std::vector<vigil::crypto::Hash256> scratch(n);
    Group g(rows, opt, "merkle", size, "root", n);
    g.openssl([&] { sink = sink ^ openssl_merkle_root(leaves, scratch)[0]; });
    for (const Variant& v : batch_variants(true, best)) {
      g.ours(v.engine, v.chosen, v.paths,
             [&] { sink = sink ^ vigil::crypto::merkle_root(leaves, scratch)[0]; });
    }
    g.run();
  }
  sha2::force_paths(saved);
  return rows;
}

void print_table(const std::vector<Row>& rows) {
  const sha2::Paths best = sha2::best_paths();
  std::printf("cpu: %s\n", cpu_model().c_str());
  std::printf("dispatch: sha256 single=%s batch=%s, sha512 single=%s batch=%s (* = chosen)\n",
              sha2::path_name(best.single256), sha2::path_name(best.batch256),
              sha2::path_name(best.single512), sha2::path_name(best.batch512));
  std::printf("%-7s %8s %-7s %-16s %6s %14s %10s %10s\n", "algo", "size", "mode", "engine", "batch",
              "hashes/s", "MB/s", "x openssl");
  for (const Row& r : rows) {
    std::printf("%-7s %8zu %-7s %-15s%s %6zu %14.0f %10.1f %10.2f\n", r.algo.c_str(), r.size,
                r.mode.c_str(), r.engine.c_str(), r.chosen ? "*" : " ", r.batch, r.per_sec,
                r.mb_per_s, r.ratio);
  }
}

nlohmann::json to_json(const std::vector<Row>& rows) {
  nlohmann::json arr = nlohmann::json::array();
  for (const Row& r : rows) {
    arr.push_back({{"algo", r.algo},
                   {"size", r.size},
                   {"mode", r.mode},
                   {"engine", r.engine},
                   {"chosen", r.chosen},
                   {"batch", r.batch},
                   {"threads", 1},
                   {"per_sec", r.per_sec},
                   {"mb_per_s", r.mb_per_s},
                   {"ratio_openssl", r.ratio}});
  }
  return arr;
}

// Hash rate by message size: a line per algorithm, mode and code path.
const vigil::plot::Chart hash_chart{.title = "SHA-2 throughput by message size",
                                    .x = "size",
                                    .y = "mb_per_s",
                                    .series = "series",
                                    .xlabel = "bytes per message",
                                    .ylabel = "MB/s (10^6 bytes)",
                                    .log_x = true,
                                    .log_y = true};

vigil::plot::Table plot_table(const std::vector<Row>& rows) {
  vigil::plot::Table t = vigil::tool::table_of(to_json(rows));
  t.columns.push_back("series");
  for (size_t i = 0; i < rows.size(); ++i) {
    t.rows[i].push_back(rows[i].algo + " " + rows[i].mode + " " + rows[i].engine);
  }
  return t;
}

const bool registered = vigil::tool::register_command(
    {"hash", "SHA-256/512 and Merkle throughput per code path, next to OpenSSL", "bench",
     [](CLI::App& app) {
       auto opt = std::make_shared<Options>();
       app.add_option("--seconds", opt->seconds, "Seconds per measured row")
           ->check(CLI::PositiveNumber);
       app.add_flag("--json", opt->json, "Print the rows as a JSON array");
       opt->out.add_options(app);
       app.callback([opt] {
         const std::vector<Row> rows = run(*opt);
         if (opt->json) {
           std::printf("%s\n", to_json(rows).dump(2).c_str());
         } else {
           print_table(rows);
         }
         if (opt->out.wanted() && !opt->out.emit(plot_table(rows), hash_chart)) {
           vigil::tool::exit_status() = 1;
         }
       });
     }});

}  // namespace
