// ZIP 215 batch verification (see zip215_batch.hpp).
#include "host/crypto/zip215_batch.hpp"

#include "host/crypto/ed25519_rules.hpp"

namespace vigil::crypto {

void zip215_verify_batch(std::span<const VerifyItem> items,
                         const std::function<void(size_t, vigil_error)>& report) {
  for (size_t i = 0; i < items.size(); ++i) {
    Zip215Prepared p;
    vigil_error e = zip215_prepare(items[i], p);
    if (e == VIGIL_OK && !zip215_equation(p)) e = VIGIL_ERR_SIG_INVALID;
    report(i, e);
  }
}

}  // namespace vigil::crypto
