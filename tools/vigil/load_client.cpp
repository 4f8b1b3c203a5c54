#include "load_client.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <deque>
#include <fstream>
#include <mutex>
#include <random>
#include <string_view>
#include <thread>

#include "bench_output.hpp"
#include "drivers/net/udp_port.hpp"
#include "host/crypto/ed25519.hpp"
#include "host/crypto/sig_jsonl.hpp"
#include "host/ingest/frame.hpp"
#include "host/mempool/transfer.hpp"
#include "host/p2p/network.hpp"
#include "host/rpc/http_client.hpp"

namespace vigil::tool {
namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

struct Account {
  crypto::Keypair key;
  uint64_t nonce = 0;
  uint32_t target = 0;  // one validator per sender keeps its nonces in one mempool
};

bool load_accounts(const std::string& path, std::vector<Account>* out, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read " + path;
    return false;
  }
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const json j = json::parse(line, nullptr, false);
    std::vector<uint8_t> seed;
    if (j.is_discarded() || !j.contains("seed") || !j["seed"].is_string() ||
        !crypto::from_hex(j["seed"].get<std::string>(), seed) || seed.size() != 32) {
      *error = path + ": a line is not a `vigil keygen` key";
      return false;
    }
    crypto::Seed s;
    std::copy(seed.begin(), seed.end(), s.begin());
    out->push_back({crypto::keypair_from_seed(s), 0, 0});
  }
  if (out->size() < 2) {
    *error = path + ": needs at least two accounts";
    return false;
  }
  return true;
}

struct Sample {
  std::string sig_hex;
  Clock::time_point sent;
  Clock::time_point next_poll;
  uint32_t node;
  bool valid;
  std::string kind;
};

// First committed_txs any node reports.
std::optional<uint64_t> committed_txs(std::vector<std::unique_ptr<rpc::HttpClient>>& clients) {
  uint64_t best = 0;
  bool any = false;
  for (auto& c : clients) {
    auto r = c->get("/status");
    if (!r || r->status != 200) continue;
    const json j = json::parse(r->body, nullptr, false);
    if (j.is_discarded() || !j.contains("committed_txs")) continue;
    best = std::max(best, j["committed_txs"].get<uint64_t>());
    any = true;
  }
  if (!any) return std::nullopt;
  return best;
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5));
  return v[i];
}

// Buckets the per-second committed_txs readings (`totals`, cumulative, from
// `before`) and the sampled latencies (seconds since the start, ms) into
// one tick a second. The quiet seconds after sending (waiting on samples
// that never commit) are left off the end.
std::vector<LoadTick> make_timeline(uint64_t before, const std::vector<uint64_t>& totals,
                                    const std::vector<std::pair<double, double>>& latencies,
                                    double sending_seconds) {
  std::vector<LoadTick> out(totals.size());
  std::vector<std::vector<double>> per(totals.size());
  for (const auto& [t, ms] : latencies) {
    const size_t i = size_t(t);
    if (i < per.size()) per[i].push_back(ms);
  }
  uint64_t prev = before;
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].t = double(i + 1);
    out[i].committed = totals[i] > prev ? totals[i] - prev : 0;
    prev = std::max(prev, totals[i]);
    out[i].latencies = per[i].size();
    out[i].p50_ms = percentile(per[i], 0.50);
    out[i].p99_ms = percentile(per[i], 0.99);
  }
  while (!out.empty() && out.back().t > sending_seconds + 1 && out.back().committed == 0 &&
         out.back().latencies == 0) {
    out.pop_back();
  }
  return out;
}

}  // namespace

const plot::Chart timeline_charts[2] = {{.title = "Committed transactions per second",
                                         .x = "t",
                                         .y = "committed_tps",
                                         .xlabel = "seconds since the load began",
                                         .ylabel = "tx/s"},
                                        {.title = "Send-to-commit latency of the sample",
                                         .x = "t",
                                         .y = "p50_ms",
                                         .xlabel = "seconds since the load began",
                                         .ylabel = "p50 ms"}};

plot::Table timeline_table(const LoadReport& r) {
  plot::Table t{.columns = {"t", "committed_tps", "latency_samples", "p50_ms", "p99_ms"}};
  for (const LoadTick& k : r.timeline) {
    const bool none = k.latencies == 0;  // a gap in the latency line
    t.add_row({std::to_string(int(k.t)), std::to_string(k.committed), std::to_string(k.latencies),
               cell(none ? NAN : k.p50_ms, 1), cell(none ? NAN : k.p99_ms, 1)});
  }
  return t;
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    const size_t comma = std::min(s.find(',', pos), s.size());
    if (comma > pos) out.push_back(s.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

json LoadReport::to_json() const {
  return json{{"sent", sent},
              {"valid", valid},
              {"invalid", invalid},
              {"committed", committed},
              {"resent", resent},
              {"seconds", seconds},
              {"committed_tps", committed_tps},
              {"sampled", sampled},
              {"accepted", sampled_accepted},
              {"sampled_committed", sampled_committed},
              {"rejected", rejected},
              {"p50_latency_ms", p50_ms},
              {"p90_latency_ms", p90_ms},
              {"p99_latency_ms", p99_ms}};
}

bool run_load(const LoadOptions& o, LoadReport* out, std::string* error,
              const std::atomic<bool>* stop) {
  std::vector<Account> accounts;
  if (!load_accounts(o.keys, &accounts, error)) return false;
  struct Dest {
    uint32_t addr;
    uint16_t port;
  };
  std::vector<Dest> dests;
  std::vector<std::string> http = o.http;
  for (const auto& t : o.targets) {
    std::string host;
    uint16_t port = 0;
    in_addr a{};
    if (!p2p::split_host_port(t, &host, &port) || inet_pton(AF_INET, host.c_str(), &a) != 1) {
      *error = "bad target '" + t + "' (IPv4 HOST:PORT)";
      return false;
    }
    dests.push_back({ntohl(a.s_addr), port});
    if (o.http.empty()) http.push_back(host + ":" + std::to_string(port + 1));
  }
  if (dests.empty() || http.size() != dests.size()) {
    *error = "give one --http address per --target";
    return false;
  }
  std::vector<std::unique_ptr<rpc::HttpClient>> clients;
  for (const auto& h : http) clients.push_back(std::make_unique<rpc::HttpClient>(h));
  for (uint32_t i = 0; i < accounts.size(); ++i) accounts[i].target = i % uint32_t(dests.size());
  // Continue from the nonces the chain holds (a second run on one chain).
  for (auto& a : accounts) {
    auto& c = *clients[a.target];
    auto r = c.get("/account/" + crypto::to_hex(a.key.public_key.data(), 32));
    if (r && r->status == 200) {
      const json j = json::parse(r->body, nullptr, false);
      if (!j.is_discarded() && j.contains("nonce")) a.nonce = j["nonce"].get<uint64_t>();
    }
  }
  const auto before = committed_txs(clients);
  if (!before) {
    *error = "no validator answers on " + http[0];
    return false;
  }

  std::string perr;
  auto udp = net::UdpPort::open({}, perr);
  if (!udp) {
    *error = "udp: " + perr;
    return false;
  }

  std::mutex mu;
  std::deque<Sample> samples;  // being polled
  std::vector<double> latencies;
  std::vector<std::pair<Clock::time_point, double>> commit_times;  // for the timeline
  LoadReport& r = *out;
  r = LoadReport{};
  std::atomic<bool> sending{true};

  // Poller: each sample on its own validator's /tx until a verdict.
  std::thread poller([&] {
    std::vector<std::unique_ptr<rpc::HttpClient>> pc;
    for (const auto& h : http) pc.push_back(std::make_unique<rpc::HttpClient>(h, 1000));
    Clock::time_point give_up{};
    for (;;) {
      std::optional<Sample> s;
      {
        std::lock_guard lk(mu);
        if (!sending.load() && give_up == Clock::time_point{})
          give_up = Clock::now() + std::chrono::milliseconds(int64_t(o.drain_seconds * 1000));
        if (samples.empty()) {
          if (!sending.load()) break;
        } else if (samples.front().next_poll <= Clock::now()) {
          s = samples.front();
          samples.pop_front();
        }
      }
      if (give_up != Clock::time_point{} && Clock::now() > give_up) break;
      if (!s) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        continue;
      }
      auto res = pc[s->node]->get("/tx/" + s->sig_hex);
      std::string status = "unreachable", reason;
      if (res && res->status == 200) {
        const json j = json::parse(res->body, nullptr, false);
        if (!j.is_discarded()) {
          status = j.value("status", "unknown");
          reason = j.value("reason", "");
        }
      }
      const auto now = Clock::now();
      std::lock_guard lk(mu);
      if (status == "committed") {
        ++r.sampled_committed;
        ++r.sampled_accepted;
        latencies.push_back(std::chrono::duration<double, std::milli>(now - s->sent).count());
        commit_times.emplace_back(now, latencies.back());
        r.committed_sigs.push_back(s->sig_hex);
      } else if (status == "rejected") {
        ++r.rejected[reason.empty() ? "rejected" : reason];
      } else if (!s->valid && status == "unknown" &&
                 now - s->sent > std::chrono::milliseconds(1000)) {
        ++r.rejected["dropped_" + s->kind];  // refused before any index knew it
      } else {
        // pending, unknown for now, or a validator restarting: ask again
        // (another validator when this one does not answer)
        if (status == "unreachable") s->node = (s->node + 1) % uint32_t(pc.size());
        if (status == "pending" && !s->kind.empty()) {
          ++r.sampled_accepted;
          s->kind.clear();  // count it once
        }
        const size_t outstanding = samples.size() + 1;
        s->next_poll = now + std::chrono::microseconds(std::max<int64_t>(
                                 10'000, int64_t(outstanding * 1'000'000 /
                                                 std::max<uint32_t>(1, o.max_polls_per_sec))));
        samples.push_back(*s);
      }
    }
  });

  // Every frame is signed before the clock starts: signing must not share
  // the measured interval's CPU with the validators.
  struct Planned {
    size_t at;  // offset in `wire`
    uint16_t size;
    uint32_t account;
    uint32_t target;
    bool bad;
    const char* kind;
  };
  const uint64_t total = uint64_t(o.rate * o.seconds);
  std::vector<Planned> plan;
  std::vector<uint8_t> wire;
  std::vector<uint64_t> first_nonce;                               // per account
  std::vector<std::vector<uint32_t>> by_account(accounts.size());  // valid frames, nonce order
  plan.reserve(total);
  wire.reserve(total * (sizeof(vigil_tx_frame_ed25519) + 64));
  {
    std::mt19937_64 rng(o.seed);
    std::array<uint8_t, VIGIL_TX_FRAME_MAX> buf;
    uint64_t next_account = 0, invalid_kind = 0;
    for (const Account& a : accounts) first_nonce.push_back(a.nonce);
    double invalid_acc = 0;
    for (uint64_t i = 0; i < total; ++i) {
      const uint32_t ai = uint32_t(next_account++ % accounts.size());
      Account& a = accounts[ai];
      Account& to = accounts[(next_account + rng() % (accounts.size() - 1)) % accounts.size()];
      invalid_acc += o.invalid_share;
      const bool bad = invalid_acc >= 1.0;
      const char* kind = "";
      mempool::Transfer t{to.key.public_key, 1, 0, a.nonce};
      if (bad) {
        invalid_acc -= 1.0;
        static const char* kinds[] = {"bad_signature", "bad_nonce", "malformed"};
        kind = kinds[invalid_kind++ % 3];
        if (kind == std::string_view("bad_nonce")) t.nonce = a.nonce + 1'000'000;
      }
      const auto payload = mempool::encode_transfer(t);
      size_t n = ingest::sign_frame(a.key, payload, buf);
      if (kind == std::string_view("bad_signature")) {
        buf[offsetof(vigil_tx_frame_ed25519, signature) + 7] ^= 0x40;
        ingest::reseal_crc({buf.data(), n});
      }
      if (kind == std::string_view("malformed")) n -= 3;  // the CRC no longer fits the length
      if (!bad) {
        ++a.nonce;
        by_account[ai].push_back(uint32_t(plan.size()));
      }
      plan.push_back({wire.size(), uint16_t(n), ai, a.target, bad, kind});
      wire.insert(wire.end(), buf.begin(), buf.begin() + long(n));
    }
  }

  // About 20 samples a second: with commit latencies near a second, each is
  // polled every few tens of milliseconds within max_polls_per_sec.
  const uint64_t sample_every = std::max<uint64_t>(1, uint64_t(o.rate / 20));
  const auto t0 = Clock::now();
  if (o.sending) o.sending->store(true);
  // Ticker: committed_txs at the end of every second, for the timeline.
  std::atomic<bool> ticking{true};
  std::vector<uint64_t> totals;
  std::thread ticker([&] {
    std::vector<std::unique_ptr<rpc::HttpClient>> tc;
    for (const auto& h : http) tc.push_back(std::make_unique<rpc::HttpClient>(h, 1000));
    for (auto next = t0 + std::chrono::seconds(1); ticking.load();) {
      if (Clock::now() < next) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        continue;
      }
      totals.push_back(committed_txs(tc).value_or(totals.empty() ? *before : totals.back()));
      next += std::chrono::seconds(1);
    }
  });
  std::atomic<uint64_t> sent_upto{0};  // plan entries sent, for the resender
  std::atomic<uint64_t> resent{0};
  // Resender: each sender's committed nonce, asked about once a second; one
  // stuck while its later frames are out is resent from there (16 frames).
  std::thread resender([&] {
    if (o.resend_after_ms == 0) return;
    std::vector<std::unique_ptr<rpc::HttpClient>> rc;
    for (const auto& h : http) rc.push_back(std::make_unique<rpc::HttpClient>(h, 500));
    std::string rerr;
    auto port = net::UdpPort::open({}, rerr);
    if (!port) return;
    struct Seen {
      uint64_t nonce = 0;
      Clock::time_point since{};
    };
    std::vector<Seen> seen(accounts.size(), Seen{0, Clock::now()});
    const auto stuck_for = std::chrono::milliseconds(o.resend_after_ms);
    std::vector<net::OutPacket> again;
    for (size_t i = 0; sending.load(); i = (i + 1) % accounts.size()) {
      std::this_thread::sleep_for(std::chrono::microseconds(1'000'000 / accounts.size()));
      const auto& idx = by_account[i];
      const uint64_t upto = sent_upto.load();
      const size_t account_sent =
          size_t(std::lower_bound(idx.begin(), idx.end(), upto) - idx.begin());
      auto res = rc[accounts[i].target]->get("/account/" +
                                             crypto::to_hex(accounts[i].key.public_key.data(), 32));
      if (!res || res->status != 200) continue;
      const json j = json::parse(res->body, nullptr, false);
      if (j.is_discarded() || !j.contains("nonce")) continue;
      const uint64_t committed = j["nonce"].get<uint64_t>();
      const auto now = Clock::now();
      if (committed != seen[i].nonce) seen[i] = {committed, now};
      const uint64_t next = committed - std::min(committed, first_nonce[i]);  // into idx
      if (next >= account_sent || now - seen[i].since < stuck_for) continue;
      again.clear();
      for (size_t k = next; k < account_sent && k < next + 16; ++k) {
        const Planned& f = plan[idx[k]];
        again.push_back({.payload = {wire.data() + f.at, f.size},
                         .dst_addr = dests[f.target].addr,
                         .dst_port = dests[f.target].port});
      }
      resent += port->tx_burst(again);
      seen[i].since = now;  // give it time to land before the next try
    }
  });
  std::vector<net::OutPacket> burst;
  uint64_t invalid_seen = 0;
  while (r.sent < total && !(stop && stop->load())) {
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    const uint64_t due = std::min<uint64_t>(total, uint64_t(elapsed * o.rate) + 1);
    if (r.sent >= due) {
      std::this_thread::sleep_for(std::chrono::microseconds(500));
      continue;
    }
    burst.clear();
    while (r.sent < due && burst.size() < 64) {
      const Planned& f = plan[r.sent++];
      const std::span<const uint8_t> bytes(wire.data() + f.at, f.size);
      burst.push_back(
          {.payload = bytes, .dst_addr = dests[f.target].addr, .dst_port = dests[f.target].port});
      if (f.bad) {
        ++r.invalid[f.kind];
        ++invalid_seen;
      } else {
        ++r.valid;
      }
      if ((!f.bad && r.valid % sample_every == 0) || (f.bad && invalid_seen % 16 == 1)) {
        std::lock_guard lk(mu);
        samples.push_back(
            {crypto::to_hex(bytes.data() + offsetof(vigil_tx_frame_ed25519, signature), 64),
             Clock::now(), Clock::now() + std::chrono::milliseconds(20), f.target, !f.bad, f.kind});
        ++r.sampled;
      }
    }
    size_t done = 0;
    for (int tries = 0; done < burst.size() && tries < 100; ++tries) {
      done += udp->tx_burst(std::span(burst).subspan(done));
      if (done < burst.size()) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    sent_upto.store(r.sent);
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  const auto at_end = committed_txs(clients);
  sending = false;
  resender.join();
  r.resent = resent.load();
  poller.join();
  ticking = false;
  ticker.join();
  std::vector<std::pair<double, double>> lat_at;
  for (const auto& [when, ms] : commit_times)
    lat_at.emplace_back(std::chrono::duration<double>(when - t0).count(), ms);
  r.timeline = make_timeline(*before, totals, lat_at, r.seconds);
  // Let the last blocks land, then count what the chain committed.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto after = committed_txs(clients);
  r.committed = after && *after > *before ? *after - *before : 0;
  // The rate while sending (what committed after it is the pipeline draining).
  const uint64_t in_window = at_end && *at_end > *before ? *at_end - *before : 0;
  r.committed_tps = r.seconds > 0 ? double(in_window) / r.seconds : 0;
  r.p50_ms = percentile(latencies, 0.50);
  r.p90_ms = percentile(latencies, 0.90);
  r.p99_ms = percentile(latencies, 0.99);
  return true;
}

}  // namespace vigil::tool
