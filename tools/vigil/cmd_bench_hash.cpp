// vigil bench hash: SHA-256 and SHA-512 throughput on 64-byte, 256-byte and
// 1 MiB messages, one message per call and whole batches, on every code path
// this CPU supports (forced in turn) next to OpenSSL measured in the same
// run. Ratios are to OpenSSL's row of the same algorithm, size and mode.
// Last, RFC 6962 Merkle roots over 4096 leaves, against the same tree
// computed on OpenSSL one hash at a time.
#include <openssl/sha.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

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
// passed; returns messages per second.
template <class Work>
double measure(double seconds, size_t per_call, Work&& work) {
  using clock = std::chrono::steady_clock;
  work();  // warm caches and the dispatcher
  size_t calls = 0;
  const auto start = clock::now();
  double elapsed = 0;
  do {
    work();
    ++calls;
    elapsed = std::chrono::duration<double>(clock::now() - start).count();
  } while (elapsed < seconds);
  return static_cast<double>(calls * per_call) / elapsed;
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
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
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
#pragma clang diagnostic pop

// RFC 6962 root on OpenSSL, level by level, one hash at a time.
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
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
#pragma clang diagnostic pop

struct Options {
  double seconds = 0.25;
  bool json = false;
  std::string csv;
};

// Every (algo, size, mode) group: OpenSSL first, then each path we have.
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
    std::vector<uint8_t> data(big ? size : n * size);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 2654435761u >> 13);
    std::vector<Bytes> msgs;
    for (size_t i = 0; i < n; ++i) msgs.emplace_back(data.data() + (big ? 0 : i * size), size);
    std::vector<vigil::crypto::Hash256> out256(n);
    std::vector<vigil::crypto::Hash512> out512(n);

    for (const std::string algo : {"sha256", "sha512"}) {
      const bool is256 = algo == "sha256";
      for (const std::string mode : {"single", "batch"}) {
        const size_t group = rows.size();
        auto add = [&](const std::string& engine, bool chosen, double per_sec) {
          Row r{algo,   size, mode,    engine,
                chosen, n,    per_sec, per_sec * static_cast<double>(size) / 1e6,
                0};
          r.ratio = per_sec / rows[group].per_sec;
          rows.push_back(r);
        };
        // OpenSSL has no multi-message call: its batch is the same loop.
        rows.push_back({algo, size, mode, "openssl", false, n, 0, 0, 1});
        rows[group].per_sec = measure(opt.seconds, n, [&] {
          for (size_t i = 0; i < n; ++i) {
            if (is256) {
              openssl_sha256(msgs[i], out256[i].data());
            } else {
              openssl_sha512(msgs[i], out512[i].data());
            }
          }
          sink = sink ^ out256[0][0] ^ out512[0][0];
        });
        rows[group].mb_per_s = rows[group].per_sec * static_cast<double>(size) / 1e6;

        std::vector<Path> paths;
        if (mode == "single") {
          paths = is256 ? std::vector<Path>{Path::portable, Path::shani}
                        : std::vector<Path>{Path::portable};
        } else {
          paths = {Path::portable, Path::avx2, Path::avx512};
        }
        for (Path p : paths) {
          if (!sha2::cpu_supports(p)) continue;
          sha2::Paths forced = best;
          bool chosen;
          if (mode == "single") {
            forced.single256 = is256 ? p : best.single256;
            chosen = is256 ? p == best.single256 : true;
          } else {
            (is256 ? forced.batch256 : forced.batch512) = p;
            chosen = p == (is256 ? best.batch256 : best.batch512);
          }
          sha2::force_paths(forced);
          double rate = measure(opt.seconds, n, [&] {
            if (mode == "batch") {
              if (is256) {
                vigil::crypto::sha256_batch(msgs, out256);
              } else {
                vigil::crypto::sha512_batch(msgs, out512);
              }
            } else {
              for (size_t i = 0; i < n; ++i) {
                if (is256) {
                  out256[i] = vigil::crypto::sha256(msgs[i]);
                } else {
                  out512[i] = vigil::crypto::sha512(msgs[i]);
                }
              }
            }
            sink = sink ^ out256[0][0] ^ out512[0][0];
          });
          // A batch on `portable` runs the messages one after another on
          // the single-message path.
          std::string name = sha2::path_name(p);
          if (mode == "batch" && p == Path::portable) {
            name = std::string("serial-") + (is256 ? sha2::path_name(best.single256) : "portable");
          }
          add(name, chosen, rate);
        }
      }
    }
  }
  // Merkle roots (merkle.hpp) over a block's worth of 256-byte leaves, on
  // each SHA-256 batch path; per_sec counts leaves.
  {
    const size_t n = 4096, size = 256;
    std::vector<uint8_t> data(n * size);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 40503u >> 7);
    std::vector<Bytes> leaves;
    for (size_t i = 0; i < n; ++i) leaves.emplace_back(data.data() + i * size, size);
    std::vector<vigil::crypto::Hash256> scratch(n);
    const size_t group = rows.size();
    rows.push_back({"merkle", size, "root", "openssl", false, n, 0, 0, 1});
    rows[group].per_sec =
        measure(opt.seconds, n, [&] { sink = sink ^ openssl_merkle_root(leaves, scratch)[0]; });
    rows[group].mb_per_s = rows[group].per_sec * size / 1e6;
    for (Path p : {Path::portable, Path::avx2, Path::avx512}) {
      if (!sha2::cpu_supports(p)) continue;
      sha2::Paths forced = best;
      forced.batch256 = p;
      sha2::force_paths(forced);
      double rate = measure(opt.seconds, n,
                            [&] { sink = sink ^ vigil::crypto::merkle_root(leaves, scratch)[0]; });
      std::string name = p == Path::portable
                             ? std::string("serial-") + sha2::path_name(best.single256)
                             : sha2::path_name(p);
      rows.push_back({"merkle", size, "root", name, p == best.batch256, n, rate, rate * size / 1e6,
                      rate / rows[group].per_sec});
    }
  }
  sha2::force_paths(saved);
  return rows;
}

void print_table(const std::vector<Row>& rows) {
  const sha2::Paths best = sha2::best_paths();
  std::printf("cpu: %s\n", cpu_model().c_str());
  std::printf("dispatch: sha256 single=%s batch=%s, sha512 single=portable batch=%s (* = chosen)\n",
              sha2::path_name(best.single256), sha2::path_name(best.batch256),
              sha2::path_name(best.batch512));
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

bool write_csv(const std::string& path, const std::vector<Row>& rows) {
  std::ofstream f(path);
  if (!f) return false;
  f << "algo,size,mode,engine,chosen,batch,threads,per_sec,mb_per_s,ratio_openssl\n";
  for (const Row& r : rows) {
    f << r.algo << ',' << r.size << ',' << r.mode << ',' << r.engine << ',' << r.chosen << ','
      << r.batch << ",1," << r.per_sec << ',' << r.mb_per_s << ',' << r.ratio << '\n';
  }
  return static_cast<bool>(f);
}

const bool registered = vigil::tool::register_command(
    {"hash", "SHA-256/512 throughput per code path, next to OpenSSL", "bench", [](CLI::App& app) {
       auto opt = std::make_shared<Options>();
       app.add_option("--seconds", opt->seconds, "Seconds per measured row")
           ->check(CLI::PositiveNumber);
       app.add_flag("--json", opt->json, "Print the rows as a JSON array");
       app.add_option("--csv", opt->csv, "Also write the rows to this CSV file");
       app.callback([opt] {
         const std::vector<Row> rows = run(*opt);
         if (opt->json) {
           std::printf("%s\n", to_json(rows).dump(2).c_str());
         } else {
           print_table(rows);
         }
         if (!opt->csv.empty() && !write_csv(opt->csv, rows)) {
           std::fprintf(stderr, "bench hash: cannot write %s\n", opt->csv.c_str());
           vigil::tool::exit_status() = 1;
         }
       });
     }});

}  // namespace
