// The Accelerator interface: the only way the daemon and the accelerator
// service reach a verification engine. A driver (cpu, opencl, cuda) takes a
// sealed BatchBuffer and completes it asynchronously with a verdict bitmap
// and one error byte per item.
//
// Promises of every driver:
//   - every submitted batch completes, with a verdict for every item: a
//     device error, a lost device or a batch past its deadline marks the
//     device down, re-verifies the batch on the CPU engine and counts the
//     fault (Stats::faults); later batches go to the CPU engine directly;
//   - verdicts equal the CPU engine's, rule set by rule set;
//   - small batches (Options::express_items, not marked
//     VIGIL_BATCH_FLAG_BULK) overtake queued large ones, and a large batch
//     that has waited Options::large_max_wait goes next all the same (no
//     starvation);
//   - express and large batches queue separately, each bounded
//     (Options::max_in_flight_express, Options::max_in_flight): submit()
//     blocks while its own class's queue is full (backpressure, counted in
//     Stats::submit_waits), never behind the other class; queues never grow;
//   - a batch larger than the driver's staging buffer
//     (Capabilities::max_batch_bytes, VIGIL_BATCH_BYTES_MAX) is refused
//     with TOO_LARGE, never copied; every path into an engine, the
//     shutdown path included, checks the descriptor first;
//   - a device marked down is probed again with backoff
//     (Options::reprobe_initial .. reprobe_max) by a small batch of known
//     answers and re-enabled when it answers exactly (Stats::probes,
//     Stats::reenabled);
//   - the caller owns batch and completion buffers, so a caller that reuses
//     them verifies without allocating them per batch.
#pragma once

#include <vigil/fi/batch.h>

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "drivers/accel/batch_buffer.hpp"
#include "host/crypto/ed25519.hpp"
#include "kernels/variant.hpp"

namespace vigil::accel {

enum class Kind : uint8_t { cpu, opencl, cuda };
std::string_view kind_name(Kind k);

struct Capabilities {
  std::string name;  // "cpu (avx2)", "opencl: NVIDIA H100 ...", ...
  Kind kind = Kind::cpu;
  uint32_t max_batch = VIGIL_BATCH_MAX;
  uint32_t max_msg_bytes = 0;             // message bytes one batch may carry
  uint64_t max_batch_bytes = UINT64_MAX;  // bytes of one batch buffer (the staging buffer)
  uint64_t caps = 0;                      // VIGIL_CAP_* bits
  bool supports(crypto::Rules r) const {
    return caps &
           (r == crypto::Rules::strict ? VIGIL_CAP_ED25519_STRICT : VIGIL_CAP_ED25519_ZIP215);
  }
};

struct Completion {
  // count, valid and faults as in the contract. status says how the
  // verdicts were obtained: VIGIL_OK on the engine itself; DEVICE_FAULT or
  // DEADLINE when the device failed on this batch and the CPU engine
  // re-verified it (verdicts complete and exact all the same); TOO_LARGE or
  // BAD_RULES, BAD_SCHEME or MALFORMED when the batch was refused (no item
  // valid). An item whose message offsets are malformed gets MALFORMED.
  vigil_batch_completion summary{};
  std::vector<uint32_t> verdict;  // VIGIL_VERDICT_WORDS(count) words
  std::vector<uint8_t> errors;    // one enum vigil_error per item
  bool valid(uint32_t i) const { return (verdict[i >> 5] >> (i & 31)) & 1u; }
};

struct Stats {
  uint64_t batches = 0;       // completed
  uint64_t items = 0;         // completed
  uint64_t faults = 0;        // device faults (each re-verified on the CPU)
  uint64_t cpu_fallback = 0;  // batches the CPU engine verified for a down device
  uint64_t submit_waits = 0;  // submit() calls that waited for queue room
  uint64_t refused = 0;       // batches refused (too large, bad rules)
  uint64_t probes = 0;        // known-answer probes of a down device
  uint64_t reenabled = 0;     // times a probe brought the device back
  bool device_down = false;
};

struct Options {
  uint32_t max_batch = VIGIL_BATCH_MAX;
  uint32_t max_msg_bytes = 16u << 20;
  unsigned max_in_flight = 4;          // large batches queued, not yet running
  unsigned max_in_flight_express = 4;  // express batches queued, not yet running
  unsigned workers = 2;                // device slots (opencl, cuda) or CPU threads
  // Batches of at most this many items (votes, small service requests) go
  // ahead of larger queued batches, so they never wait behind a queue of
  // big ones; among themselves, and among the large ones, order is FIFO.
  uint32_t express_items = 256;
  // Slots (worker, queue or stream, buffers) that take express batches
  // only, so a small batch starts at once even while every other slot runs
  // a large one; on CUDA their streams have the highest priority.
  unsigned express_slots = 1;
  unsigned slots() const { return (workers ? workers : 1) + express_slots; }
  // A queued large batch older than this is taken before express ones.
  std::chrono::milliseconds large_max_wait{50};
  // Backoff between probes of a down device, doubling from initial to max.
  std::chrono::milliseconds reprobe_initial{1000};
  std::chrono::milliseconds reprobe_max{60000};
  std::chrono::milliseconds deadline{30000};  // per batch, from dequeue
  crypto::Engine cpu_engine = crypto::Engine::automatic;
  std::string cache_dir;  // OpenCL program binaries; empty: default_cache_dir()
  // Device engines (opencl, cuda): the verify kernel's field representation
  // and threads per block (kernels/variant.hpp); a block that is not
  // valid_verify_block makes the engine refuse to start.
  kernels::VerifyShape kernel;
};

// Bytes of a driver's staging buffer for `opts`: the contract's layout size
// (VIGIL_BATCH_BYTES_MAX), which every packer's batch with these capacities
// fits.
inline size_t staging_bytes(const Options& opts) {
  return size_t(VIGIL_BATCH_BYTES_MAX(opts.max_batch, opts.max_msg_bytes));
}

// Faults a test can make a driver act out at its device boundary.
enum class InjectedFault : uint8_t {
  none,
  device_error,  // the next device call fails (as CL_OUT_OF_RESOURCES would)
  lost_device,   // the device disappears (as CL_DEVICE_NOT_AVAILABLE would)
  hang           // the device never reports completion
};

class Accelerator {
 public:
  virtual ~Accelerator() = default;
  virtual const Capabilities& capabilities() const = 0;
  // Queues a sealed `batch`; `out` receives its completion (its vectors are
  // reused when large enough). Both must stay alive and untouched until the
  // future is ready.
  virtual std::future<void> submit(BatchView batch, Completion& out) = 0;
  std::future<void> submit(const BatchBuffer& batch, Completion& out) {
    return submit(batch.view(), out);
  }
  // submit() and wait: for tools and tests.
  Completion verify_now(const BatchBuffer& batch) {
    Completion c;
    submit(batch, c).get();
    return c;
  }
  virtual Stats stats() const = 0;
  // Test hook: the next batch to reach the device meets `fault`.
  virtual void inject_fault(InjectedFault fault) = 0;
};

// Builds an engine by name:
//   auto                 CUDA GPU, else an OpenCL GPU, else the CPU engine
//   cpu                  the CPU engine on a thread pool
//   opencl[:SEL]         SEL: a device index (all platforms, in order) or a
//                        case-insensitive part of the device or platform name;
//                        without SEL the first GPU. PoCL's CPU device only by
//                        name or index ("opencl:pthread", "opencl:0").
//   cuda[:N]             CUDA device N (default 0)
// Returns null and sets *error when the engine does not exist here.
std::unique_ptr<Accelerator> make_accelerator(const std::string& spec, const Options& opts,
                                              std::string* error);

}  // namespace vigil::accel
