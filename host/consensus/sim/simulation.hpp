// The consensus simulator: n validators (plus Twins instances) running the
// real Core over a deterministic in-process network, all driven by one
// seed. Before global stabilization (GST) the network drops, delays,
// reorders and duplicates messages and partitions the nodes; honest nodes
// crash and restart from their persisted storage; Byzantine validators
// equivocate as leaders, double-vote, send garbage and stale messages, run
// as Twins (two instances with one key), or forge: replay verified QCs and
// TCs with altered fields, forge certificates with garbage signatures, send
// sync responses with made-up chains, lie in epoch-end sync and propose
// blocks as large as a message may be. Some schedules reconfigure past the
// sync window (64 blocks) or carry large blocks while one honest node
// sleeps until GST and must then catch up. After GST the network is timely
// and every honest node is up.
//
// After each schedule it checks
//   safety:   honest nodes' committed chains agree height by height (so
//             each is a prefix of the longest), and extend without gaps;
//   liveness: every honest node commits new blocks within a bound of
//             rounds after GST;
//   signing:  no honest validator signed two conflicting votes, timeouts
//             or proposals for one round, and no honest validator is
//             accused of equivocation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vigil::consensus::sim {

struct SimOptions {
  uint32_t nodes = 4;
  uint32_t byzantine = 1;  // at most (nodes - 1) / 3
  uint64_t seed = 0;
  // Test-only: validator 0 (always honest) runs with its safety rules off.
  bool unsafe_node = false;
  bool trace = false;  // print every log line and fault to stderr
  // Test-only: allow more Byzantine validators than (n - 1) / 3, where the
  // protocol promises nothing (to show the safety checker can fail).
  bool allow_over_f = false;
  // Test-only: RevertFix bits (host/consensus/core.hpp) set in every
  // node, each re-introducing a fixed defect; the schedules then favour the
  // attack that finds it (a forger, a late epoch end, large blocks).
  uint32_t revert_fixes = 0;
  // RevertFix bits whose attacks the schedules favour as if reverted, with
  // the fixes in: the same seeds with and without a fix compare.
  uint32_t attacks = 0;
};

// The names of the RevertFix bits for --revert-fix: qc-cache, tc-cache,
// epoch-sync, sync-bytes. 0 for an unknown name.
uint32_t revert_fix_bit(const std::string& name);
std::string revert_fix_names(uint32_t bits);  // comma-separated

struct SimResult {
  uint64_t seed = 0;
  std::vector<std::string> violations;
  std::string schedule;     // what the seed chose, one line
  uint64_t max_round = 0;   // highest round an honest node reached
  uint64_t min_height = 0;  // lowest committed height among honest nodes
  uint64_t max_height = 0;
  uint64_t epochs = 0;                 // epoch changes seen by honest nodes (sum)
  uint64_t messages = 0;               // delivered
  uint64_t gst_rounds = 0;             // most rounds an honest node needed after GST to commit
  uint64_t evidence = 0;               // equivocation proofs recorded by honest nodes
  uint64_t parse_drops = 0;            // malformed input dropped by honest nodes
  std::vector<uint8_t> evidence_file;  // serialized evidence of honest nodes
};

SimResult run_schedule(const SimOptions& options);

// The command that replays one schedule.
std::string replay_command(const SimOptions& options);

}  // namespace vigil::consensus::sim
