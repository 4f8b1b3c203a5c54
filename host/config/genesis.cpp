#include "host/config/genesis.hpp"

#include <vigil/fi/consensus.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "host/crypto/ed25519.hpp"
#include "host/crypto/sha2.hpp"
#include "host/crypto/sig_jsonl.hpp"
#include "host/p2p/handshake.hpp"
#include "host/p2p/network.hpp"

namespace vigil::config {
namespace {

using json = nlohmann::json;

bool read_file(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

bool hex32(const json& j, std::array<uint8_t, 32>* out) {
  std::vector<uint8_t> b;
  if (!j.is_string() || !crypto::from_hex(j.get<std::string>(), b) || b.size() != 32) return false;
  std::copy(b.begin(), b.end(), out->begin());
  return true;
}

}  // namespace

bool parse_genesis(const std::string& text, const std::string& path, GenesisFile* out,
                   std::vector<std::string>* errors) {
  const size_t before = errors->size();
  auto err = [&](const std::string& key, const std::string& what) {
    errors->push_back(path + ": key '" + key + "': " + what);
  };
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    errors->push_back(path + ": not a JSON object");
    return false;
  }
  GenesisFile g;
  const auto h = crypto::sha256({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  std::copy(h.begin(), h.end(), g.chain_id.begin());
  if (!j.contains("chain") || !j["chain"].is_string())
    err("chain", "must be a string");
  else
    g.chain = j["chain"].get<std::string>();
  for (const auto& [k, v] : j.items())
    if (k != "chain" && k != "validators" && k != "accounts") err(k, "unknown key");
  if (!j.contains("validators") || !j["validators"].is_array() || j["validators"].empty() ||
      j["validators"].size() > VIGIL_MAX_VALIDATORS) {
    err("validators", "must be an array of 1..128 validators");
  } else {
    std::set<std::array<uint8_t, 32>> keys;
    for (size_t i = 0; i < j["validators"].size(); ++i) {
      const auto& v = j["validators"][i];
      const std::string at = "validators[" + std::to_string(i) + "]";
      GenesisValidator gv;
      std::string host;
      uint16_t port = 0;
      if (!v.is_object() || !hex32(v.value("key", json()), &gv.key))
        err(at + ".key", "must be 64 hex digits");
      else if (!keys.insert(gv.key).second)
        err(at + ".key", "appears twice");
      if (!v.is_object() || !v.contains("p2p") || !v["p2p"].is_string() ||
          !p2p::split_host_port(v["p2p"].get<std::string>(), &host, &port))
        err(at + ".p2p", "must be \"HOST:PORT\"");
      else
        gv.p2p = v["p2p"].get<std::string>();
      g.validators.push_back(gv);
    }
  }
  if (j.contains("accounts")) {
    if (!j["accounts"].is_array()) {
      err("accounts", "must be an array");
    } else {
      for (size_t i = 0; i < j["accounts"].size(); ++i) {
        const auto& a = j["accounts"][i];
        const std::string at = "accounts[" + std::to_string(i) + "]";
        GenesisAccount ga;
        if (!a.is_object() || !hex32(a.value("key", json()), &ga.key))
          err(at + ".key", "must be 64 hex digits");
        if (!a.is_object() || !a.contains("balance") || !a["balance"].is_number_unsigned())
          err(at + ".balance", "must be an unsigned integer");
        else
          ga.balance = a["balance"].get<uint64_t>();
        g.accounts.push_back(ga);
      }
    }
  }
  if (errors->size() != before) return false;
  *out = std::move(g);
  return true;
}

bool load_genesis(const std::string& path, GenesisFile* out, std::vector<std::string>* errors) {
  std::string text;
  if (!read_file(path, &text)) {
    errors->push_back(path + ": cannot read the genesis file");
    return false;
  }
  return parse_genesis(text, path, out, errors);
}

std::string genesis_json(const GenesisFile& g) {
  json j{{"chain", g.chain}, {"validators", json::array()}, {"accounts", json::array()}};
  for (const auto& v : g.validators)
    j["validators"].push_back({{"key", crypto::to_hex(v.key.data(), 32)}, {"p2p", v.p2p}});
  for (const auto& a : g.accounts)
    j["accounts"].push_back({{"key", crypto::to_hex(a.key.data(), 32)}, {"balance", a.balance}});
  return j.dump(1) + "\n";
}

bool load_key_file(const std::string& path, std::array<uint8_t, 32>* seed,
                   std::vector<std::string>* errors) {
  std::string text;
  if (!read_file(path, &text)) {
    errors->push_back(path + ": cannot read the key file");
    return false;
  }
  const json j = json::parse(text, nullptr, false);
  std::array<uint8_t, 32> pk{};
  if (j.is_discarded() || !j.is_object() || !hex32(j.value("seed", json()), seed)) {
    errors->push_back(path + ": key 'seed': must be 64 hex digits");
    return false;
  }
  if (!hex32(j.value("pk", json()), &pk) || crypto::keypair_from_seed(*seed).public_key != pk) {
    errors->push_back(path + ": key 'pk': must be the seed's public key (64 hex digits)");
    return false;
  }
  return true;
}

}  // namespace vigil::config
