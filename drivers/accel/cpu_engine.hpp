// The CPU engine as drivers see it: verifies a sealed batch into a
// completion. Every driver's fallback and the cpu driver use this one
// function, so a re-verified batch gets exactly the CPU engine's verdicts.
#pragma once

#include <string>

#include "drivers/accel/accelerator.hpp"

namespace vigil::accel {

// Sizes `out` for the batch and fills verdicts and errors (status VIGIL_OK).
void cpu_verify(const BatchBuffer& batch, crypto::Engine engine, Completion& out);

// The engine `e` resolves to here, by name ("avx2", "portable", ...).
std::string cpu_engine_label(crypto::Engine e);

// Resets `out` to count items, all invalid, status `status`.
void reset_completion(Completion& out, uint32_t count, vigil_error status);
// Recomputes summary.valid from the verdict words.
void count_valid(Completion& out);

}  // namespace vigil::accel
