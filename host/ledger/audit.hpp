// The offline audit: re-derives a ledger from its files and says whether
// every stored record is what the chain implies.
//
// It opens the store read-only (never writes), starts from the genesis and
// for every height checks: the block is there at its height, its id, the
// hash link to its parent and the id index; the tx root and count of its
// frames; its QC (2f+1 distinct validators of the epoch, every signature
// through the batch engine); the state root its header carries; then it
// re-executes the block and compares the receipts, the transaction index
// and the state root stored for that height. Every state node the store
// holds (or must have pruned), every stale-index entry and every account
// record is compared with the re-derived tree, and each family's record
// count with what the chain implies, so an added, removed or changed record
// anywhere is found. The verdict names the first bad height and what broke.
// Memory: the live state tree and the retained stale keys.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace vigil::ledger {

struct AuditReport {
  bool ok = false;
  uint64_t height = 0;  // last height checked whole
  uint64_t blocks = 0;  // blocks checked whole
  uint64_t transactions = 0;
  uint64_t first_bad_height = 0;  // when !ok
  std::string what;               // when !ok: the kind, then details
};

// progress(done, total) after each height.
AuditReport audit_store(const std::string& dir,
                        const std::function<void(uint64_t, uint64_t)>& progress = {});

}  // namespace vigil::ledger
