// vigil verify-proof FILE (--header HEX | --root HEX): checks, with no
// store, the account proof that `vigil state --proof` printed against a
// trusted block header (block H+1's, whose state_root is the state after
// block H) or a trusted state root. Exit 0 when it verifies, 1 when not.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "account_proof.hpp"
#include "command.hpp"
#include "host/ledger/codec.hpp"

namespace {

struct Args {
  std::string file, header, root;
};

int fail(const char* why) {
  std::printf("proof INVALID: %s\n", why);
  return 1;
}

int run(const Args& a) {
  using namespace vigil;
  std::stringstream text;
  if (a.file == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(a.file);
    if (!in) return std::fprintf(stderr, "verify-proof: cannot read %s\n", a.file.c_str()), 2;
    text << in.rdbuf();
  }
  nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("not a JSON object");
  if (a.header.empty() == a.root.empty()) {
    std::fprintf(stderr, "verify-proof: give exactly one of --header and --root\n");
    return 2;
  }
  auto str = [&](const char* k) {
    return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : "";
  };
  auto num = [&](const char* k) -> std::optional<uint64_t> {
    if (!j.contains(k) || !j[k].is_number_unsigned()) return std::nullopt;
    return j[k].get<uint64_t>();
  };
  auto pk = tool::hex_array<32>(str("account"));
  auto height = num("height");
  std::vector<uint8_t> proof_bytes;
  if (!pk || !height || !j.contains("exists") || !j["exists"].is_boolean() ||
      !crypto::from_hex(str("proof"), proof_bytes))
    return fail("missing or malformed account, height, exists or proof");
  auto proof = state::decode_proof(proof_bytes);
  if (!proof) return fail("proof does not decode");
  std::optional<execution::Account> account;
  if (j["exists"].get<bool>()) {
    auto bal = num("balance"), nonce = num("nonce");
    if (!bal || !nonce) return fail("an existing account needs balance and nonce");
    account = execution::Account{*bal, *nonce};
  }
  state::Hash root{};
  if (!a.header.empty()) {
    std::vector<uint8_t> hb;
    if (!crypto::from_hex(a.header, hb) || hb.size() != sizeof(vigil_block_hdr))
      return fail("--header must be 256 hex digits (a 128-byte block header)");
    auto b = ledger::decode_block(ledger::as_sv(hb));
    if (!b) return fail("header does not decode");
    if (b->hdr.height != *height + 1) return fail("header is not block height + 1");
    std::copy(std::begin(b->hdr.state_root), std::end(b->hdr.state_root), root.begin());
  } else {
    auto r = tool::hex_array<32>(a.root);
    if (!r) return fail("--root must be 64 hex digits");
    root = *r;
  }
  if (!execution::verify_account_proof(root, *pk, account, *proof))
    return fail("the proof does not lead to the trusted root");
  std::printf("proof OK: account %s %s at height %llu\n", str("account").c_str(),
              account ? "exists" : "is absent", (unsigned long long)*height);
  return 0;
}

const bool registered = vigil::tool::register_command(
    {"verify-proof", "Check an account proof against a block header, with no store", "",
     [](CLI::App& app) {
       auto a = std::make_shared<Args>();
       app.add_option("FILE", a->file, "the JSON of `vigil state --proof` ('-': stdin)")
           ->required();
       app.add_option("--header", a->header, "trusted header of block H+1, hex");
       app.add_option("--root", a->root, "trusted state root, hex");
       app.callback([a] { vigil::tool::exit_status() = run(*a); });
     }});

}  // namespace
