// The client side of a loaded cluster, shared by `vigil loadgen --target`
// and `vigil cluster`: signed transfers among the accounts of
// accounts.jsonl with correct nonces (a share of them bad: signature, nonce
// or malformed frame), sent by UDP to the validators' packet ports at a
// paced rate; a sample of them polled by signature on /tx to time each
// from send to commit.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "host/plot/plot.hpp"

namespace vigil::tool {

struct LoadOptions {
  std::vector<std::string> targets;  // UDP "HOST:PORT" of each validator
  std::vector<std::string> http;     // its API; empty: each target's port + 1
  std::string keys;                  // accounts.jsonl
  double rate = 1000;                // frames per second
  double seconds = 10;
  double invalid_share = 0;   // of the frames sent, bad ones (three kinds in turn)
  double drain_seconds = 20;  // after sending: wait this long at most for the sample
  uint32_t max_polls_per_sec = 500;
  uint64_t seed = 1;
  // A sender whose committed nonce has not moved for this long while frames
  // of it are out has lost one (shed by an overloaded validator, or a
  // full queue): its frames from the committed nonce on are sent again, as
  // a wallet resubmits (the same signed bytes). 0: never.
  uint32_t resend_after_ms = 1500;
  // Set when sending begins (after every frame is signed), when given.
  std::atomic<bool>* sending = nullptr;
};

// One second of a run, from the start of sending until the sample is drained.
struct LoadTick {
  double t = 0;                   // seconds since sending began, at the end of this second
  uint64_t committed = 0;         // growth of /status committed_txs over the second
  uint64_t latencies = 0;         // sampled transactions seen committed in it
  double p50_ms = 0, p99_ms = 0;  // their send-to-commit latency (0 when none)
};

struct LoadReport {
  uint64_t sent = 0, valid = 0;
  std::map<std::string, uint64_t> invalid;  // by kind
  uint64_t committed = 0;                   // /status committed_txs, after - before
  uint64_t resent = 0;                      // frames sent again (resend_after_ms)
  double seconds = 0;                       // sending time
  double committed_tps = 0;
  uint64_t sampled = 0, sampled_accepted = 0, sampled_committed = 0;
  std::map<std::string, uint64_t> rejected;  // sampled, by the reason /tx gave
  double p50_ms = 0, p90_ms = 0, p99_ms = 0;
  std::vector<std::string> committed_sigs;  // hex, sampled and seen committed
  std::vector<LoadTick> timeline;
  nlohmann::json to_json() const;
};

// The timeline as a table (t, committed_tps, latency_samples, p50_ms,
// p99_ms) and its charts, TPS and latency over time: `--csv`, `--plot` of
// `vigil cluster` and `vigil loadgen --target`.
plot::Table timeline_table(const LoadReport& r);
extern const plot::Chart timeline_charts[2];

// Runs the load; false and *error when the key file or a target is unusable.
bool run_load(const LoadOptions& o, LoadReport* out, std::string* error,
              const std::atomic<bool>* stop = nullptr);

// Splits "a,b,c".
std::vector<std::string> split_list(const std::string& s);

}  // namespace vigil::tool
