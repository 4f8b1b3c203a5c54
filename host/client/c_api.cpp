// vigil_client.h over the C++ Client. Nothing throws across the ABI: every
// entry point catches and reports an error value instead.
#include <cstring>
#include <string>
#include <vector>

#include "host/client/client.hpp"
#include "host/client/vigil_client.h"
#include "host/crypto/sig_jsonl.hpp"
#include "host/service/endpoint.hpp"
#include "host/service/keys.hpp"

struct vigil_client {
  std::unique_ptr<vigil::client::Client> impl;
};

namespace {

using vigil::crypto::Rules;
using vigil::crypto::VerifyItem;

void set_error(char* err, size_t len, const std::string& why) {
  if (!err || !len) return;
  const size_t n = std::min(len - 1, why.size());
  std::memcpy(err, why.data(), n);
  err[n] = 0;
}

bool to_items(const vigil_client_item* items, size_t n, int rules, std::vector<VerifyItem>& out) {
  if (rules != VIGIL_CLIENT_STRICT && rules != VIGIL_CLIENT_ZIP215) return false;
  if (n && !items) return false;
  out.clear();
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const auto& it = items[i];
    if (!it.pubkey || !it.signature || (it.msg_len && !it.msg)) return false;
    out.push_back({it.pubkey, it.signature, {it.msg, it.msg_len}});
  }
  return true;
}

int source_code(const vigil::client::Result& r) {
  return r.source == vigil::client::Source::remote ? VIGIL_CLIENT_REMOTE : VIGIL_CLIENT_LOCAL;
}

}  // namespace

extern "C" {

vigil_client* vigil_client_open_opts(const vigil_client_options* opts, char* err, size_t err_len) {
  try {
    if (!opts || opts->size < sizeof(vigil_client_options)) {
      set_error(err, err_len, "opts is NULL or its size field is not sizeof(vigil_client_options)");
      return nullptr;
    }
    if (!opts->servers || !opts->key_line) {
      set_error(err, err_len, "servers and key_line are required");
      return nullptr;
    }
    vigil::client::ClientOptions o;
    o.servers = vigil::service::split_list(opts->servers);
    std::string line = opts->key_line;
    line = line.substr(0, line.find('\n'));
    if (std::string why = vigil::service::parse_key_line(line, o.key); !why.empty()) {
      set_error(err, err_len, "key: " + why);
      return nullptr;
    }
    if (opts->timeout_ms) o.deadline = std::chrono::milliseconds(opts->timeout_ms);
    o.tls = opts->tls != 0;
    if (opts->tls_ca) o.tls_ca = opts->tls_ca;
    if (opts->server_key_hex) {
      std::vector<uint8_t> k;
      if (!vigil::crypto::from_hex(opts->server_key_hex, k) || k.size() != 32) {
        set_error(err, err_len, "server_key_hex: not 64 hex digits");
        return nullptr;
      }
      o.server_key.emplace();
      std::memcpy(o.server_key->data(), k.data(), 32);
    }
    o.local_fallback = opts->no_local_fallback == 0;
    std::string why;
    auto impl = vigil::client::Client::open(std::move(o), &why);
    if (!impl) {
      set_error(err, err_len, why);
      return nullptr;
    }
    return new vigil_client{std::move(impl)};
  } catch (const std::exception& e) {
    set_error(err, err_len, e.what());
    return nullptr;
  }
}

vigil_client* vigil_client_open(const char* servers, const char* key_line, uint32_t timeout_ms,
                                char* err, size_t err_len) {
  vigil_client_options o{};
  o.size = sizeof o;
  o.servers = servers;
  o.key_line = key_line;
  o.timeout_ms = timeout_ms;
  return vigil_client_open_opts(&o, err, err_len);
}

void vigil_client_close(vigil_client* c) {
  delete c;
}

int vigil_client_verify(vigil_client* c, const vigil_client_item* items, size_t n, int rules,
                        uint32_t* verdict_words, uint8_t* errors, uint32_t timeout_ms) {
  try {
    std::vector<VerifyItem> v;
    if (!c || (n && !verdict_words) || !to_items(items, n, rules, v)) return VIGIL_CLIENT_EINVAL;
    const auto r = c->impl->verify(v, Rules(rules), std::chrono::milliseconds(timeout_ms));
    if (r.status == VIGIL_ERR_DEADLINE) return VIGIL_CLIENT_EUNANSWERED;
    if (r.status != VIGIL_OK) return VIGIL_CLIENT_EINVAL;
    std::memcpy(verdict_words, r.verdict.data(), r.verdict.size() * 4);
    if (errors) std::memcpy(errors, r.errors.data(), n);
    return source_code(r);
  } catch (...) {
    return VIGIL_CLIENT_EINVAL;
  }
}

int vigil_client_verify_async(vigil_client* c, const vigil_client_item* items, size_t n, int rules,
                              uint32_t timeout_ms, vigil_client_done done, void* user) {
  try {
    std::vector<VerifyItem> v;
    if (!c || !done || !to_items(items, n, rules, v)) return VIGIL_CLIENT_EINVAL;
    c->impl->verify_async(
        v, Rules(rules),
        [done, user, n](vigil::client::Result&& r) {
          if (r.status != VIGIL_OK)
            return done(user, VIGIL_CLIENT_EUNANSWERED, nullptr, nullptr, n);
          done(user, source_code(r), r.verdict.data(), r.errors.data(), n);
        },
        std::chrono::milliseconds(timeout_ms));
    return 0;
  } catch (...) {
    return VIGIL_CLIENT_EINVAL;
  }
}

void vigil_client_get_stats(vigil_client* c, vigil_client_stats* out) {
  if (!c || !out) return;
  const auto s = c->impl->stats();
  *out = {s.requests, s.remote,   s.local_fallback,   s.failovers,         s.overloaded,
          s.timeouts, s.connects, s.connect_failures, s.refused_handshakes};
}

}  // extern "C"
